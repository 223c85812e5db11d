"""Personal access tokens on the profile page: create (the secret is shown once), revoke."""

from flask import Blueprint, flash, make_response, render_template, url_for
from flask_login import current_user, login_required

from milequest.extensions import db
from milequest.forms.api_tokens import TokenForm
from milequest.htmx import see_other
from milequest.services.walkers import api_tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/tokens")


@bp.app_template_global("api_token_list")
def api_token_list():
    """The walker's working tokens, for the profile's tokens section."""
    return api_tokens.tokens_of(current_user) if current_user.is_authenticated else []


@bp.app_template_global("api_token_form")
def api_token_form(form: TokenForm | None = None) -> TokenForm:
    return form or TokenForm()


@bp.post("")
@login_required
def create():
    form = TokenForm()
    if form.validate():
        try:
            new = api_tokens.create_token(
                current_user, form.name.data, form.scope.data, int(form.lifetime_days.data)
            )
        except api_tokens.TokenRefused as refused:
            for name, message in refused.problems.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            page = render_template(
                "accounts/token_created.html", token=new.token, secret=new.secret
            )
            response = make_response(page, 201)
            response.headers["Cache-Control"] = "no-store"  # the secret is shown this once
            return response
    return render_template("accounts/token_refused.html", token_form=form), 422


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if api_tokens.revoke_token(current_user, token_id):
        db.session.commit()
        flash("Token revoked: it no longer works.", "info")
    return see_other(url_for("accounts.profile_form") + "#api-tokens")
