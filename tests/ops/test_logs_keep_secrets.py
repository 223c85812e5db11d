"""Real processes, representative flows: no password, token, cookie or email body in the logs,
and the request id of a request reaches the log line of the task it enqueued."""

import json
import re
from email import message_from_bytes
from pathlib import Path

import pytest

from milequest.extensions import db
from tests.factories import PASSWORD, make_team, make_user
from tests.helpers import wait_for
from tests.live_servers import Browser
from tests.ops.processes import METRICS_TOKEN, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.committing]
SIGN_UP_PASSWORD = "first-secret-Kx81q"
NEW_PASSWORD = "second-secret-Zq72w"


def mail_to(mail_dir: Path, address: str, count: int = 1) -> list[str]:
    """The bodies of the first `count` emails to `address`, once the worker has sent them."""

    def bodies() -> list[str]:
        found = []
        for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = message_from_bytes(path.read_bytes())
            if message["To"] == address:
                found.append(message.get_payload(decode=True).decode())
        return found

    assert wait_for(lambda: len(bodies()) >= count, timeout_s=60), f"no email to {address}"
    return bodies()[:count]


def path_in(body: str, prefix: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", body).group(1)


def json_lines(logs: str, logger: str) -> list[dict]:
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith('{"ts"')]
    return [line for line in lines if line["logger"] == logger]


def test_sign_up_log_in_reset_and_invite_leave_no_secret_in_the_logs(app, tmp_path):
    captain = make_user()
    team = make_team(captain, name="Night Owls")
    db.session.commit()
    with running_stack(app, tmp_path) as stack:
        ada = Browser(stack.url)
        ada.post_form(
            "/signup",
            {"email": "ada@example.com", "display_name": "Ada", "password": SIGN_UP_PASSWORD},
            "/signup",
        )
        [verify_body] = mail_to(stack.mail_dir, "ada@example.com")
        ada.get(path_in(verify_body, "/verify/"))

        Browser(stack.url).post_form("/reset", {"email": "ada@example.com"}, "/reset")
        reset_body = mail_to(stack.mail_dir, "ada@example.com", 2)[1]
        reset_path = path_in(reset_body, "/reset/")
        new = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        Browser(stack.url).post_form(reset_path, new, reset_path)

        ada_again = Browser(stack.url)
        ada_again.post_form(
            "/login", {"email": "ada@example.com", "password": NEW_PASSWORD}, "/login"
        )
        assert "Log out" in ada_again.get("/")

        leader = Browser(stack.url)
        leader.log_in(captain.email)
        invites = f"/teams/{team.id}/invites"
        leader.post_form(invites, {"email": "bob@example.com"}, invites)
        [invite_body] = mail_to(stack.mail_dir, "bob@example.com")

        delivered = lambda: [  # noqa: E731
            t
            for t in json_lines(stack.logs(), "milequest.task")
            if t["task"].endswith("deliver_email")
        ]
        assert wait_for(lambda: len(delivered()) == 3, timeout_s=30)  # each logs once it ends
        logs = stack.logs()

    tokens = [
        path_in(verify_body, "/verify/").rsplit("/", 1)[1],
        reset_path.rsplit("/", 1)[1],
        path_in(invite_body, "/invites/").split("/")[2],
    ]
    cookies = [c.value for b in (ada, ada_again, leader) for c in b.cookies if len(c.value) > 8]
    body_lines = [
        line.strip()
        for body in (verify_body, reset_body, invite_body)
        for line in body.splitlines()
        if len(line.strip()) > 25
    ]
    secrets = [SIGN_UP_PASSWORD, NEW_PASSWORD, PASSWORD, METRICS_TOKEN, *tokens, *cookies]
    assert len(cookies) >= 2 and len(body_lines) >= 3
    assert [s for s in secrets + body_lines if s in logs] == []

    requests = json_lines(logs, "milequest.request")
    routes = {line["route"] for line in requests}
    assert {
        "/signup",
        "/verify/<token>",
        "/reset/<token>",
        "/login",
        invites.replace(str(team.id), "<int:team_id>"),
    } <= routes
    [signup] = [
        line for line in requests if line["route"] == "/signup" and line["method"] == "POST"
    ]
    tasks = json_lines(logs, "milequest.task")
    sent_for_signup = [t for t in tasks if t["request_id"] == signup["request_id"]]
    assert [t["task"] for t in sent_for_signup] == ["workers.email.deliver_email"]
    assert sent_for_signup[0]["outcome"] == "succeeded"
    [invite] = [
        line for line in requests if line["route"].endswith("/invites") and line["method"] == "POST"
    ]
    assert invite["walker_id"] == captain.id
    assert any(
        t["walker_id"] == captain.id for t in tasks if t["request_id"] == invite["request_id"]
    )
