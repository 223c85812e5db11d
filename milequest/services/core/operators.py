"""Who is an operator: the `is_operator` flag (`flask operator grant EMAIL`) or, as before,
a confirmed address listed in OPERATOR_EMAILS. A disabled account is never one."""

from flask import current_app

from milequest.models import User


def is_operator(user: User) -> bool:
    if not user.is_authenticated or user.is_disabled:
        return False
    if user.is_operator:
        return True
    emails = {e.lower() for e in current_app.config["OPERATOR_EMAILS"]}
    # Confirmed addresses only: whoever signs up first with an operator's address is not one.
    return user.is_verified and user.email.lower() in emails
