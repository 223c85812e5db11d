from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from milequest import mail
from tests.services_control import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_smtp_backend_delivers_to_a_real_smtp_server(app, smtp_server):
    controller, inbox = smtp_server
    config = {
        **app.config,
        "MAIL_BACKEND": "smtp",
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": controller.port,
    }

    mail.send(config, mail.Message("ada@example.com", "Hello", "Walk on.\nhttps://x/verify/abc"))

    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["ada@example.com"]
    received = message_from_bytes(envelope.content)
    assert received["Subject"] == "Hello"
    assert received["From"] == app.config["MAIL_FROM"]
    assert "https://x/verify/abc" in received.get_payload(decode=True).decode()


def test_smtp_backend_raises_when_the_server_is_down(app):
    config = {
        **app.config,
        "MAIL_BACKEND": "smtp",
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": free_port(),
        "MAIL_SMTP_TIMEOUT_S": 2,
    }
    with pytest.raises(OSError):
        mail.send(config, mail.Message("ada@example.com", "Hello", "body"))


def test_file_backend_writes_one_eml_per_message(app, tmp_path):
    config = {**app.config, "MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path)}

    mail.send(config, mail.Message("a@example.com", "One", "first"))
    mail.send(config, mail.Message("b@example.com", "Two", "second"))

    files = sorted(tmp_path.glob("*.eml"))
    assert [message_from_bytes(f.read_bytes())["Subject"] for f in files] == ["One", "Two"]


def test_unknown_backend_is_a_clear_error(app):
    with pytest.raises(ValueError, match="MAIL_BACKEND"):
        mail.send({**app.config, "MAIL_BACKEND": "pigeon"}, mail.Message("a@b.c", "s", "b"))
