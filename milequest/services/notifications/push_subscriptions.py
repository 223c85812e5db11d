"""A walker's devices for push: subscribe (from the browser's PushSubscription), list, remove.

A subscription is checked before it is stored: its endpoint must be at a known push service
(`PUSH_SERVICE_ORIGINS`: a worker POSTs there), its keys a P-256 point and a 16-byte secret.
"""

import base64
import binascii
import re
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.lib.user_agents import device_name
from milequest.lib.web_push import VapidKeys
from milequest.models import PushSubscription
from milequest.refusals import Refused

MAX_ENDPOINT = 1000
MAX_DEVICES = 20  # per walker: a script cannot fill the table
BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,100}={0,2}")


class BadSubscription(Refused):
    pass


def vapid_keys() -> VapidKeys:
    config = current_app.config
    return VapidKeys(
        config["VAPID_PRIVATE_KEY"], config["VAPID_PUBLIC_KEY"], config["VAPID_SUBJECT"]
    )


def subscribe(
    user_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
    session_id: int | None = None,
) -> int:
    """Store this device for the walker's log-in `session_id` (flushed); the same browser again
    updates its row."""
    _check_endpoint(endpoint)
    _check_key(p256dh, 65, "p256dh")
    _check_key(auth, 16, "auth")
    known = devices(user_id)
    if len(known) >= MAX_DEVICES and all(device.endpoint != endpoint for device in known):
        raise BadSubscription(f"At most {MAX_DEVICES} devices; remove one first.")
    values = {
        "user_id": user_id,
        "p256dh": p256dh,
        "auth": auth,
        "device": _device(user_agent),
        "session_id": session_id,
    }
    statement = insert(PushSubscription).values(endpoint=endpoint, **values)
    return db.session.execute(
        statement.on_conflict_do_update(index_elements=["endpoint"], set_=values).returning(
            PushSubscription.id
        )
    ).scalar_one()


def unsubscribe(user_id: int, endpoint: str) -> bool:
    """Forget the walker's device with this endpoint (the browser unsubscribed)."""
    return _delete(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)


def remove(user_id: int, subscription_id: int) -> bool:
    """Forget one of the walker's devices (the profile's "Remove"); False if not theirs."""
    return _delete(PushSubscription.user_id == user_id, PushSubscription.id == subscription_id)


def forget_session_devices(session_id: int) -> None:
    """The walker logged out where these devices were turned on: they stop getting pushes."""
    _delete(PushSubscription.session_id == session_id)


def forget_walker_devices(user_id: int) -> None:
    """Every session of the walker ended (log out everywhere, a password reset)."""
    _delete(PushSubscription.user_id == user_id)


def devices(user_id: int) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user_id)
            .order_by(PushSubscription.id)
        )
    )


def has_devices(user_id: int) -> bool:
    found = select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    return db.session.scalar(found) is not None


def _delete(*where) -> bool:
    deleted = db.session.execute(
        delete(PushSubscription).where(*where).returning(PushSubscription.id)
    ).all()
    return bool(deleted)


def _device(user_agent: str) -> str:
    return device_name(user_agent)[:100]


def _check_endpoint(endpoint: str) -> None:
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise BadSubscription("That is not a push service's address.") from None
    printable = endpoint.isascii() and endpoint.isprintable()
    if not printable or len(endpoint) > MAX_ENDPOINT or parts.username or not parts.hostname:
        raise BadSubscription("That is not a push service's address.")
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    if not any(fnmatchcase(origin, allowed) for allowed in _allowed_origins()):
        raise BadSubscription("That push service is not one Mile Quest sends to.")


def _allowed_origins() -> list[str]:
    return current_app.config["PUSH_SERVICE_ORIGINS"]


def _check_key(value: str, size: int, name: str) -> None:
    try:
        if not BASE64URL.fullmatch(value):
            raise ValueError(value)
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise BadSubscription(f"The subscription's {name} key is not base64url.") from None
    if len(raw) != size or len(value) > 100 or (size == 65 and not _on_the_curve(raw)):
        raise BadSubscription(f"The subscription's {name} key is not a valid key.")


def _on_the_curve(point: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return True
