"""The mail interface: `send(config, message)` through the configured backend.

Backends: `smtp` for production, `file` (one .eml per message under MAIL_DIR) for development.
"""

import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body_text: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. List-Unsubscribe
    message_id: str = ""  # the same for every send of one outbox email; else a new one


class Backend(Protocol):
    def send(self, email: EmailMessage) -> None: ...


class FileBackend:
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(bytes(email))
        tmp.rename(self.directory / f"{name}.eml")  # readers never see a half-written file


class SmtpBackend:
    def __init__(self, host, port, username="", password="", starttls=False, timeout_s=10):
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)


def backend_for(config) -> Backend:
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpBackend(
            config["MAIL_SMTP_HOST"],
            int(config["MAIL_SMTP_PORT"]),
            config["MAIL_SMTP_USERNAME"],
            config["MAIL_SMTP_PASSWORD"],
            bool(config["MAIL_SMTP_STARTTLS"]),
            float(config["MAIL_SMTP_TIMEOUT_S"]),
        )
    if config["MAIL_BACKEND"] == "file":
        return FileBackend(config["MAIL_DIR"])
    raise ValueError(f"Unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}: use 'smtp' or 'file'.")


def build(config, message: Message) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message.message_id or make_msgid(domain="milequest")
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.body_text)
    return email


def send(config, message: Message) -> None:
    backend_for(config).send(build(config, message))
