"""Server-side sessions: a cookie works only while its session row is open.

Logging out ends the row, so a copied cookie stops working; "log out everywhere", a password
reset and an account deletion end them all, remember-me cookies included (they carry the same
`<user id>:<token>`). A row expires after REMEMBER_COOKIE_DURATION when remembered, after
SESSION_LIFETIME_S otherwise.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, delete, select, update

from milequest.extensions import db
from milequest.lib.user_agents import device_name
from milequest.models import User, WalkerSession
from milequest.models.base import utcnow
from milequest.services.notifications import push_subscriptions

SEEN_EVERY = timedelta(minutes=5)  # how stale "last seen" may get: one write per 5 minutes


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, remember: bool, user_agent: str) -> WalkerSession:
    """Open a session for `user`; `user.get_id()` then names it (for Flask-Login's cookies)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION" if remember else "SESSION_LIFETIME_S"]
    if not isinstance(lifetime, timedelta):  # Flask-Login takes seconds or a timedelta
        lifetime = timedelta(seconds=lifetime)
    row = WalkerSession(
        user_id=user.id,
        token_hash=_hash(token),
        remember=remember,
        user_agent=user_agent[:300],
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    user.session_token = token
    return row


def user_for_cookie_id(
    cookie_id: str, widen: Callable[[Select], Select] | None = None, **params
) -> User | None:
    """The user a Flask-Login id (`<user id>:<token>`) stands for while its session is open.

    `widen` adds columns to the same query (what the request needs next, read in the same
    round trip), with bind parameters given in `params`; their values are left in
    `user.loaded_with`. The statement is built once per `widen`: pass a module's function.
    """
    user_id, _, token = cookie_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:  # "²" is a digit
        return None
    found = db.session.execute(
        _load_statement(widen),
        {"token_hash": _hash(token), "user_id": int(user_id), "now": utcnow(), **params},
    ).first()
    if found is None:
        return None
    user, row, *more = found
    _stamp_seen(row)
    user.session_token = token
    user.loaded_with = tuple(more)
    return user


@cache
def _load_statement(widen: Callable[[Select], Select] | None) -> Select:
    """Built once: building a statement costs more than running it here."""
    query = (
        select(User, WalkerSession)
        .join(WalkerSession, WalkerSession.user_id == User.id)
        .where(
            WalkerSession.token_hash == bindparam("token_hash"),
            WalkerSession.user_id == bindparam("user_id"),
            WalkerSession.ended_at.is_(None),
            User.disabled_at.is_(None),
            WalkerSession.expires_at > bindparam("now"),
        )
    )
    return widen(query) if widen else query


def current_session_id(user: User) -> int | None:
    if not user.session_token:
        return None
    return db.session.scalar(
        select(WalkerSession.id).where(WalkerSession.token_hash == _hash(user.session_token))
    )


def _stamp_seen(row: WalkerSession) -> None:
    """Move "last seen" on at most every SEEN_EVERY, in its own short transaction.

    Its own connection: the stamp must not wait for the request's commit (a page that only
    reads never commits) nor be undone by a refusal's rollback.
    """
    now = utcnow()
    if now - row.last_seen_at < SEEN_EVERY:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(WalkerSession)
            .where(WalkerSession.id == row.id, WalkerSession.last_seen_at < now - SEEN_EVERY)
            .values(last_seen_at=now)
        )


def open_sessions(user: User) -> list[WalkerSession]:
    """The walker's open sessions, most recently seen first."""
    return list(
        db.session.scalars(
            select(WalkerSession)
            .where(
                WalkerSession.user_id == user.id,
                WalkerSession.ended_at.is_(None),
                WalkerSession.expires_at > utcnow(),
            )
            .order_by(WalkerSession.last_seen_at.desc(), WalkerSession.id.desc())
        )
    )


def device_of(row: WalkerSession) -> str:
    return device_name(row.user_agent)


def end_session(user: User, session_id: int) -> bool:
    """End one of the walker's own sessions; False if it is not theirs or already over."""
    ended = db.session.execute(
        update(WalkerSession)
        .where(
            WalkerSession.id == session_id,
            WalkerSession.user_id == user.id,
            WalkerSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
        .returning(WalkerSession.id)
    ).scalar_one_or_none()
    if ended is not None:
        push_subscriptions.forget_session_devices(ended)
    return ended is not None


def end_current_session(user: User) -> None:
    session_id = current_session_id(user)
    if session_id is not None:
        end_session(user, session_id)


def end_all_sessions(user_id: int) -> int:
    """End every open session of the walker (remember-me cookies too); how many were open."""
    ended = db.session.execute(
        update(WalkerSession)
        .where(WalkerSession.user_id == user_id, WalkerSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    push_subscriptions.forget_walker_devices(user_id)
    return ended.rowcount  # type: ignore[attr-defined]  # DML gives a CursorResult


def delete_finished_sessions(older_than: timedelta = timedelta(days=30)) -> int:
    """Forget sessions that ended or expired more than `older_than` ago (a beat job)."""
    cutoff = utcnow() - older_than
    gone = db.session.execute(
        delete(WalkerSession).where(
            (WalkerSession.ended_at < cutoff) | (WalkerSession.expires_at < cutoff)
        )
    )
    return gone.rowcount  # type: ignore[attr-defined]  # DML gives a CursorResult
