"""A push service double: a real HTTP server that takes what pywebpush (or any sender) POSTs.

It does what FCM or Mozilla's autopush do with a message, as RFC 8030/8291/8292 describe: it
checks the VAPID JWT (ES256 over the public key in `Authorization: vapid t=..., k=...`, aud its
own origin, exp in the future and at most 24 hours off, sub present) against the key it was
told to expect, requires a TTL, decrypts the aes128gcm body with the subscription's private key
and auth secret (http_ece), and records the message. It can be told to answer 404 or 410 for
an endpoint (a subscription that expired). Production code talks to it over HTTP, as to a real
one; only tests hold the subscriptions' private keys.
"""

import base64
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

VAPID = re.compile(r"^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's subscription: what it gives the site (`info`) and keeps (the private key)."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(point)

    @property
    def info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": b64(self.auth)}}


@dataclass
class Message:
    endpoint: str
    payload: dict
    ttl: int
    topic: str | None
    claims: dict


@dataclass
class PushService:
    origin: str
    vapid_public_key: str  # the application server key subscriptions were made with
    devices: dict[str, Device] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why each refused request was refused
    answers: dict[str, int] = field(default_factory=dict)  # endpoint -> status to answer
    lock: threading.Lock = field(default_factory=threading.Lock)
    # A POST to `holding` waits, once it has arrived (`held` set), until `release` is set.
    holding: str | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def new_device(self) -> Device:
        """A subscription as a browser makes one: its own P-256 key pair and auth secret."""
        device = Device(
            f"{self.origin}/push/{secrets.token_urlsafe(16)}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        return self.add_device(device)

    def add_device(self, device: Device) -> Device:
        with self.lock:
            self.devices[device.endpoint] = device
        return device

    def answer(self, endpoint: str, status: int) -> None:
        with self.lock:
            self.answers[endpoint] = status

    def received(self, endpoint: str | None = None) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if endpoint in (None, m.endpoint)]

    def receive(self, endpoint: str, headers, body: bytes) -> tuple[int, str]:
        """(status, reason) for one POST, recording the message when it is accepted."""
        if endpoint == self.holding:
            self.held.set()
            self.release.wait(timeout=120)
        with self.lock:
            device, answer = self.devices.get(endpoint), self.answers.get(endpoint)
        if answer is not None:
            return answer, "told to"
        if device is None:
            return 404, "no such subscription"
        try:
            claims = self._check_vapid(headers.get("Authorization", ""))
            ttl = int(headers["TTL"])
            if headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            plain = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
            payload = json.loads(plain)
        except (KeyError, ValueError, InvalidSignature, http_ece.ECEException) as exc:
            with self.lock:
                self.refused.append(f"{type(exc).__name__}: {exc}")
            return (401 if isinstance(exc, InvalidSignature) else 400), str(exc)
        message = Message(endpoint, payload, ttl, headers.get("Topic"), claims)
        with self.lock:
            self.messages.append(message)
        return 201, "Created"

    def _check_vapid(self, authorization: str) -> dict:
        match = VAPID.match(authorization)
        if not match:
            raise ValueError(f"no vapid authorization: {authorization[:40]!r}")
        token, key = match.groups()
        if key != self.vapid_public_key:
            raise InvalidSignature("not the application server key")
        header, claims, signature = token.split(".")
        if json.loads(unb64(header)) != {"typ": "JWT", "alg": "ES256"}:
            raise ValueError("not an ES256 JWT")
        raw = unb64(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        decoded = json.loads(unb64(claims))
        if decoded.get("aud") != self.origin:
            raise ValueError(f"aud {decoded.get('aud')!r} is not {self.origin}")
        if not time.time() < decoded["exp"] <= time.time() + 24 * 3600:
            raise ValueError("exp not in the next 24 hours")
        if not str(decoded.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("no sub")
        return decoded


def handler_for(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, reason = service.receive(service.origin + self.path, self.headers, body)
            try:
                self.send_response(status, reason)
                if status == 201:
                    location = f"{service.origin}/message/{secrets.token_hex(8)}"
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender is gone (a killed worker): the message was taken
                pass

        def log_message(self, *args):  # quiet: tests read `messages` and `refused`
            pass

    return Handler


def running(vapid_public_key: str):
    """(PushService, server) on a free port of 127.0.0.1, serving in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(None))  # type: ignore[arg-type]
    service = PushService(f"http://127.0.0.1:{server.server_port}", vapid_public_key)
    server.RequestHandlerClass = handler_for(service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service, server
