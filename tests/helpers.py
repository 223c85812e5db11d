"""Request helpers: CSRF tokens, htmx headers, logging in, reading the outbox; and waits."""

import re

from itsdangerous import TimestampSigner
from sqlalchemy import select, text

from devservices.local import wait_until
from milequest.extensions import db
from milequest.models import OutboundEmail
from tests.factories import PASSWORD

HTMX_HEADERS = {"HX-Request": "true"}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, page: str = "/reset") -> str:
    match = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, htmx: bool = False, token_page: str = "/reset"):
    """POST like a browser would: with the CSRF token the page carried."""
    headers = dict(HTMX_HEADERS) if htmx else {}
    return client.post(
        url, data={"csrf_token": csrf_token(client, token_page), **data}, headers=headers
    )


def log_in(client, user, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def outbox(to: str | None = None) -> list[OutboundEmail]:
    query = select(OutboundEmail).order_by(OutboundEmail.id)
    if to is not None:
        query = query.where(OutboundEmail.to_address == to)
    return list(db.session.scalars(query))


def link_in(email: OutboundEmail, path_prefix: str) -> str:
    """The path of the first link in an email's body that starts with `path_prefix`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S*)", email.body_text)
    assert match, f"no {path_prefix} link in: {email.body_text}"
    return match.group(1)


def sign_in_as(client, user) -> None:
    """Start a session for `user` directly (for tests about something other than logging in)."""
    from milequest.services.walkers import walker_sessions

    walker_sessions.start_session(user, remember=False, user_agent="tests")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def signing_clock_moved_on(monkeypatch, seconds: int) -> None:
    """From now on itsdangerous signs and checks as if `seconds` had passed (expiry, no wait)."""
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + seconds)


# pg_locks is read live (pg_stat_activity would show this transaction's first snapshot).
_SESSIONS_WAITING_ON_ME = text(
    "SELECT count(*) FROM pg_locks WHERE NOT granted"
    " AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
)


def hold_until_another_session_waits(timeout_s: float = 30) -> None:
    """Keep this transaction open until another session waits on one of its locks.

    For races that need a set interleaving: the other session has read the old state and now
    waits on this transaction's locks, which it gets only once this one commits.
    """
    if not wait_until(lambda: db.session.scalar(_SESSIONS_WAITING_ON_ME), timeout_s, 0.01):
        raise TimeoutError(f"no session waited on this transaction's locks in {timeout_s} s")


def wait_for(condition, timeout_s: float = 15.0) -> bool:
    """True as soon as `condition()` is (checked every 0.1 s); False after `timeout_s`."""
    return wait_until(condition, timeout_s)
