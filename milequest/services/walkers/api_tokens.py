"""Personal access tokens: created once (the secret is shown then, never again), stored as a
SHA-256 of the secret, scoped, expiring, revocable; `authenticate` finds the token a request
carries and notes when it was last used.

A SHA-256 is enough: the secret is 256 random bits, so there is nothing to guess slowly.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from milequest.extensions import db
from milequest.lib.text_checks import text_problem
from milequest.models import ApiToken, User
from milequest.models.api_token import TokenScope
from milequest.models.base import utcnow
from milequest.refusals import Refused

PREFIX = "mq_"
LIFETIMES_DAYS = (7, 30, 90, 365)
MAX_ACTIVE = 20
LAST_USED_GRANULARITY = timedelta(minutes=1)  # at most one write per token a minute


class TokenRefused(Refused, ValueError):
    """`problems` maps a form field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the walker once, then forgotten


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(walker: User, name: str, scope: str, lifetime_days: int) -> NewToken:
    name = (name or "").strip()
    problems = {}
    if problem := text_problem(name, max_length=60):
        problems["name"] = problem
    elif not name:
        problems["name"] = "Name the token after where you will use it."
    if scope not in tuple(TokenScope):
        problems["scope"] = "Choose read or write."
    if lifetime_days not in LIFETIMES_DAYS:
        problems["lifetime_days"] = "Choose how long the token works."
    if len(tokens_of(walker)) >= MAX_ACTIVE:
        problems["name"] = f"You have {MAX_ACTIVE} tokens: revoke one you no longer use first."
    if problems:
        raise TokenRefused(problems)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=walker.id,
        name=name,
        scope=TokenScope(scope),
        secret_sha256=_digest(secret),
        expires_at=utcnow() + timedelta(days=lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def tokens_of(walker: User) -> list[ApiToken]:
    """The walker's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == walker.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token(walker: User, token_id: int) -> bool:
    """Revoke one of the walker's tokens; False when it is not theirs or already revoked."""
    revoked = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.user_id == walker.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .returning(ApiToken.id)
    ).scalar_one_or_none()
    return revoked is not None


def authenticate(secret: str) -> ApiToken | None:
    """The usable token whose secret this is, or None (unknown, revoked, expired, or its
    walker's account disabled)."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == _digest(secret)))
    if token is None or not token.is_usable or token.user.is_disabled:
        return None
    return token


def note_use(token: ApiToken) -> None:
    """Record the time of use (to the minute, so a busy script costs no write per request)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        token.last_used_at = now
        db.session.flush()
