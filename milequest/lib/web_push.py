"""Send one Web Push message (RFC 8030, 8291, 8292) with pywebpush; make VAPID key pairs.

Keys travel as base64url without padding: the private key as its raw 32-byte P-256 scalar,
the public key as the 65-byte uncompressed point (what a browser's `applicationServerKey`
takes). A push service's 404 or 410 means the subscription is gone for good (`Gone`); any
other failure (`PushFailed`) may pass, and is worth trying again later.
"""

import base64
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

TIMEOUT_S = 10
GONE_STATUSES = {404, 410}


class PushFailed(Exception):
    """The push service did not take the message (or could not be reached)."""


class Gone(PushFailed):
    """The push service says the subscription no longer exists (404/410): drop it."""


@dataclass(frozen=True)
class VapidKeys:
    private_key: str
    public_key: str
    subject: str  # "mailto:..." or "https://...": whom a push service may contact

    @property
    def usable(self) -> bool:
        return bool(self.private_key and self.public_key and self.subject)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_keys() -> tuple[str, str]:
    """A new (private, public) VAPID key pair, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big")), public_key_of(key)


def public_key_of(key: ec.EllipticCurvePrivateKey | str) -> str:
    if isinstance(key, str):
        key = _private_key(key)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def _private_key(private_key: str) -> ec.EllipticCurvePrivateKey:
    raw = base64.urlsafe_b64decode(private_key + "=" * (-len(private_key) % 4))
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def send(subscription: dict, payload: dict, keys: VapidKeys, *, topic: str, ttl_s: int) -> int:
    """POST `payload` (JSON, encrypted aes128gcm) to the subscription's push service.

    Returns the service's status (201 or 202); raises `Gone` or `PushFailed`. `topic` lets
    the service replace a copy of the same message it has not delivered yet (RFC 8030 5.4).
    """
    vapid = Vapid.from_string(private_key=keys.private_key)
    try:
        response = webpush(
            subscription,
            json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
            vapid_private_key=vapid,
            vapid_claims={"sub": keys.subject},  # a fresh dict: pywebpush writes aud into it
            ttl=ttl_s,
            timeout=TIMEOUT_S,
            headers={"Topic": topic, "Urgency": "normal"},
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE_STATUSES:
            raise Gone(f"{status} from the push service") from None
        raise PushFailed(f"push service answered {status}") from None
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        raise PushFailed(f"{type(exc).__name__} reaching the push service") from None
    return response.status_code
