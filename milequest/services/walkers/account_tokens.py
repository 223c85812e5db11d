"""Signed, expiring tokens for email verification and password reset.

A reset token carries a fingerprint of the current password hash, so it stops working once it
has been used (or the password changed any other way): single-use without a token table.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from milequest.extensions import db
from milequest.models import User
from milequest.refusals import Refused

VERIFY = "email-verify"
RESET = "password-reset"


class TokenError(Refused):
    """The token is malformed, expired or no longer valid; `reason` says which for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User, purpose: str) -> str:
    if purpose == RESET:
        return user.password_fingerprint
    return hashlib.sha256(user.email.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user, purpose)})


def read_token(token: str, purpose: str, max_age_s: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user, purpose):
        raise TokenError("used")
    return user
