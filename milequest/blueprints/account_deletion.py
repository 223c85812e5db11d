"""Deleting one's account: confirm with the password (a walker without one types their email
address); a grace period follows, and an email says how to keep the account."""

from flask import Blueprint, flash, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from milequest.extensions import db
from milequest.forms.accounts import DeleteAccountForm, DeleteProviderAccountForm
from milequest.htmx import see_other
from milequest.lib import passwords
from milequest.services.walkers import account_deletion

bp = Blueprint("account_deletion", __name__)


def _form() -> DeleteAccountForm:
    return DeleteAccountForm() if current_user.has_password else DeleteProviderAccountForm()


def _check_confirmation(form: DeleteAccountForm) -> None:
    if isinstance(form, DeleteProviderAccountForm):
        if form.email.data.strip().casefold() != current_user.email.casefold():
            form.email.errors.append("That is not the address of this account.")
    elif not passwords.verify_password(current_user.password_hash, form.password.data):
        form.password.errors.append("That is not your password.")


def _page(form: DeleteAccountForm, status: int = 200):
    days = account_deletion.GRACE.days
    return render_template("accounts/delete.html", form=form, grace_days=days), status


@bp.get("/account/delete")
@login_required
def confirm_form():
    return _page(_form())


@bp.post("/account/delete")
@login_required
def delete():
    form = _form()
    if form.validate():
        _check_confirmation(form)
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
