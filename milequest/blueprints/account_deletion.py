"""Deleting one's account: confirm with the password; a grace period follows."""

from flask import Blueprint, flash, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from milequest.extensions import db
from milequest.forms.accounts import DeleteAccountForm
from milequest.htmx import see_other
from milequest.lib import passwords
from milequest.services.walkers import account_deletion

bp = Blueprint("account_deletion", __name__)


def _page(form: DeleteAccountForm, status: int = 200):
    days = account_deletion.GRACE.days
    return render_template("accounts/delete.html", form=form, grace_days=days), status


@bp.get("/account/delete")
@login_required
def confirm_form():
    return _page(DeleteAccountForm())


@bp.post("/account/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate() and not passwords.verify_password(
        current_user.password_hash, form.password.data
    ):
        form.password.errors.append("That is not your password.")
    if form.errors:
        return _page(form, 422)
    due = account_deletion.request_deletion(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(
        f"Your account will be deleted on {due.strftime('%-d %B %Y')}. "
        "Log in before then to keep it.",
        "info",
    )
    return see_other(url_for("pages.index"), reload=True)
