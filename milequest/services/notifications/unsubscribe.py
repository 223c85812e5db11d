"""Signed unsubscribe tokens: one kind, one walker, no log-in, no expiry (RFC 8058 links).

The token names the walker and the kind; it can turn off that kind's email and nothing else.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from milequest.extensions import db
from milequest.models import User
from milequest.models.notification import NotificationKind
from milequest.refusals import Refused

_SALT = "notification-unsubscribe"


class BadUnsubscribeLink(Refused):
    """The link was changed or cut short."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(user_id: int, kind: NotificationKind) -> str:
    return _serializer().dumps({"u": user_id, "k": kind.value})


def read_token(token: str) -> tuple[User, NotificationKind]:
    try:
        data = _serializer().loads(token)
        user = db.session.get(User, int(data["u"]))
        kind = NotificationKind(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadUnsubscribeLink("This unsubscribe link is not valid: was it cut short?") from exc
    if user is None:
        raise BadUnsubscribeLink("This unsubscribe link belongs to an account that is gone.")
    return user, kind
