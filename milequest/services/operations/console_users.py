"""The console's users: find an account, confirm its address, disable or enable it, resend the
confirmation, end its sessions. Each action writes its audit row; none commits."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from milequest.extensions import db
from milequest.models import User, WalkerSession
from milequest.models.base import utcnow
from milequest.refusals import Refused
from milequest.services.operations import audit_log
from milequest.services.teamwork.teams import escape_like
from milequest.services.walkers import accounts, walker_sessions

SEARCH_LIMIT = 50


class NotOnYourself(Refused):
    def __init__(self) -> None:
        super().__init__("You cannot disable your own account.")


@dataclass(frozen=True)
class Found:
    user: User
    open_sessions: int


def search_users(query: str, limit: int = SEARCH_LIMIT) -> list[Found]:
    """Accounts whose address or name contains `query` (newest first), with open sessions."""
    pattern = f"%{escape_like(query.strip())}%"
    open_count = (
        select(func.count())
        .where(
            WalkerSession.user_id == User.id,
            WalkerSession.ended_at.is_(None),
            WalkerSession.expires_at > utcnow(),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User, open_count)
        .where(or_(User.email.ilike(pattern), User.display_name.ilike(pattern)))
        .order_by(User.id.desc())
        .limit(limit)
    ).all()
    return [Found(user, count) for user, count in rows]


def confirm_user(operator: User, user_id: int) -> User | None:
    """Mark the address confirmed (a no-op, still audited, when it was). None: no such user."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    already = user.is_verified
    if not already:
        user.email_verified_at = utcnow()
    audit_log.record(operator, "user_confirmed", "user", user.id, already=already)
    return user


def disable_user(operator: User, user_id: int) -> User | None:
    """Disable the account: no log-in, every session ended, its API tokens refused."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    if user.id == operator.id:
        raise NotOnYourself
    if user.disabled_at is None:
        user.disabled_at = utcnow()
    ended = walker_sessions.end_all_sessions(user.id)
    audit_log.record(operator, "user_disabled", "user", user.id, sessions_ended=ended)
    return user


def enable_user(operator: User, user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    if user is None:
        return None
    user.disabled_at = None
    audit_log.record(operator, "user_enabled", "user", user.id)
    return user


def resend_confirmation(operator: User, user_id: int) -> User | None:
    """Email a new confirmation link, for an unconfirmed address only."""
    user = db.session.get(User, user_id)
    if user is None or user.is_verified:
        return None
    accounts.send_verification(user)
    audit_log.record(operator, "confirmation_resent", "user", user.id)
    return user


def end_sessions(operator: User, user_id: int) -> int | None:
    """End every open session of the account; how many were open (None: no such user)."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    ended = walker_sessions.end_all_sessions(user.id)
    audit_log.record(operator, "sessions_ended", "user", user.id, sessions_ended=ended)
    return ended


def set_operator(email: str, granted: bool, by: User | None = None) -> User | None:
    """Grant or revoke the console (`flask operator grant/revoke EMAIL`); None: no account."""
    user = accounts.find_by_email(email)
    if user is None:
        return None
    user.is_operator = granted
    action = "operator_granted" if granted else "operator_revoked"
    audit_log.record(by, action, "user", user.id)
    return user


def email_of(user_id: int) -> str | None:
    return db.session.scalar(select(User.email).where(User.id == user_id))
