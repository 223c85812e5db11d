"""Accounts: sign-up, log-in checks, email verification, password reset and profile.

Answers never reveal whether an email address has an account.
"""

from zoneinfo import available_timezones

from flask import current_app, url_for
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib import metrics, passwords
from milequest.models import Membership, User
from milequest.models.base import utcnow
from milequest.services.core import emails, team_events
from milequest.services.core.commit_hooks import after_commit
from milequest.services.walkers import account_tokens, walker_sessions

TIMEZONES = frozenset(available_timezones())


def normalize_email(email: str) -> str:
    return email.strip().lower()


_EMAIL_LOCK = 0xE3A1  # first key of pg_advisory_xact_lock(key, hashtext(email))


def lock_email(email: str) -> None:
    """Hold this address until the transaction ends: of two sign-ups with it at once (a double
    tap, a provider's and a password's), the second waits, then finds the first's account."""
    key = func.hashtext(normalize_email(email))
    db.session.execute(select(func.pg_advisory_xact_lock(_EMAIL_LOCK, key)))


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def sign_up(email: str, display_name: str, password: str, timezone: str = "UTC") -> User | None:
    """Create an unverified account and email its verification link.

    Returns the new user, or None when the address is taken: then its owner gets a notice
    instead, so the answer looks the same either way.
    """
    lock_email(email)
    existing = find_by_email(email)
    if existing is not None:
        emails.queue_email(
            existing.email,
            "Someone tried to sign up with your email",
            "emails/signup_exists.txt",
            user=existing,
            login_url=url_for("accounts.login_form", _external=True),
            reset_url=url_for("accounts.reset_request_form", _external=True),
        )
        return None
    user = User(
        email=normalize_email(email),
        display_name=display_name.strip(),
        password_hash=passwords.hash_password(password),
        timezone=timezone if timezone in TIMEZONES else "UTC",
    )
    db.session.add(user)
    db.session.flush()
    send_verification(user)
    after_commit(metrics.count_sign_up)
    return user


def send_verification(user: User) -> None:
    token = account_tokens.make_token(user, account_tokens.VERIFY)
    emails.queue_email(
        user.email,
        "Confirm your email for Mile Quest",
        "emails/verify.txt",
        user=user,
        verify_url=url_for("accounts.verify", token=token, _external=True),
    )


def verify_email(token: str) -> User:
    """Mark the token's user verified (idempotent). Raises account_tokens.TokenError."""
    user = account_tokens.read_token(
        token, account_tokens.VERIFY, current_app.config["EMAIL_VERIFY_MAX_AGE_S"]
    )
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None or not user.has_password:  # signed up with a provider (oidc_logins)
        passwords.verify_password(passwords.DUMMY_HASH, password)  # same time as a real check
        return None
    if not passwords.verify_password(user.password_hash, password) or user.is_disabled:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an enabled account; do nothing visible otherwise."""
    user = find_by_email(email)
    if user is None or user.is_disabled:
        return
    token = account_tokens.make_token(user, account_tokens.RESET)
    emails.queue_email(
        user.email,
        "Reset your Mile Quest password",
        "emails/reset.txt",
        user=user,
        reset_url=url_for("accounts.reset", token=token, _external=True),
        valid_minutes=current_app.config["PASSWORD_RESET_MAX_AGE_S"] // 60,
    )


def check_reset_token(token: str) -> User:
    """The user a reset token is for. Raises account_tokens.TokenError."""
    return account_tokens.read_token(
        token, account_tokens.RESET, current_app.config["PASSWORD_RESET_MAX_AGE_S"]
    )


def reset_password(token: str, new_password: str) -> User:
    """Set a new password; the token and every session stop working.

    Raises account_tokens.TokenError.
    """
    user = check_reset_token(token)
    user.password_hash = passwords.hash_password(new_password)
    walker_sessions.end_all_sessions(user.id)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the reset link proved the address
    return user


def update_profile(
    user: User,
    display_name: str,
    units: str,
    timezone: str,
    *,
    weekly_goal_m: int | None = None,
    stride_cm: int | None = None,
) -> User:
    """Save the profile; `weekly_goal_m` None clears the goal, `stride_cm` None the stride."""
    renamed = user.display_name != display_name.strip()
    user.display_name = display_name.strip()
    user.units = units
    user.timezone = timezone
    user.weekly_goal_m = weekly_goal_m
    user.stride_cm = stride_cm
    db.session.flush()
    if renamed:  # their teams' pages show the name: a quiet event moves each team's version
        for team_id in _active_team_ids(user):  # in team order: see team_events.record
            team_events.record(team_id, "member_renamed", actor=user, subject=user)
    return user


def set_weekly_goal(user: User, weekly_goal_m: int | None) -> User:
    """Set (None: clear) the walker's weekly goal, in metres."""
    user.weekly_goal_m = weekly_goal_m
    db.session.flush()
    return user


def _active_team_ids(user: User) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.team_id)
            .where(Membership.user_id == user.id, Membership.left_at.is_(None))
            .order_by(Membership.team_id)
        )
    )
