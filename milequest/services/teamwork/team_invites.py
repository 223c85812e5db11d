"""Invites: single-use email links and the team's share link with a short, readable code.

Codes avoid look-alike characters (no 0/O, 1/I/L, 2/Z, 5/S, 8/B) so they can be read aloud.
A single-use invite is claimed by one atomic UPDATE: of two racing accepts, exactly one wins.
An email invite belongs to its address: only the account that confirmed that address can
accept it, and nobody but the team's captains is ever shown the address.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select, update

from milequest.extensions import db
from milequest.models import Team, TeamInvite, User
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind as Kind
from milequest.refusals import Refused
from milequest.services.core import emails
from milequest.services.core.team_locks import lock_team
from milequest.services.journeying import journeys
from milequest.services.notifications import inbox
from milequest.services.notifications.inbox import Draft

CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8


class InviteUnusable(Refused):
    """`reason` is one of: unknown, expired, revoked, used, archived (InviteNotYours: below)."""

    def __init__(self, reason: str, invite: TeamInvite | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invite = invite


class InviteNotYours(InviteUnusable):
    """An email invite opened by an account that may not accept it.

    `reason` is "unconfirmed" (the account has not confirmed its address yet) or
    "someone_else" (a confirmed account with another address).
    """


@dataclass(frozen=True)
class InvitePreview:
    """What anyone holding an invite may see: no member but the inviter, no address."""

    team: Team
    inviter_name: str
    progress: journeys.Progress | None


def new_share_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What a person typed or read aloud, as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def share_link(team: Team) -> TeamInvite | None:
    return db.session.scalar(
        select(TeamInvite).where(
            TeamInvite.team_id == team.id,
            TeamInvite.kind == "link",
            TeamInvite.revoked_at.is_(None),
        )
    )


def rotate_share_link(team: Team, by: User) -> TeamInvite | None:
    """Revoke the current share link (old links and codes stop working) and make a new one.

    Two rotations at once (a double submit) take turns on the team's row lock; otherwise both
    would insert a link and the second would break the one-active-link unique index.
    None if the team is archived (perhaps by the transaction this one waited for).
    """
    if lock_team(team).is_archived:
        return None
    now = utcnow()
    db.session.execute(
        update(TeamInvite)
        .where(TeamInvite.team_id == team.id, TeamInvite.kind == "link")
        .where(TeamInvite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    days = current_app.config["TEAM_LINK_INVITE_DAYS"]
    invite = TeamInvite(
        team_id=team.id,
        kind="link",
        code=new_share_code(),
        created_by_id=by.id,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invite)
    db.session.flush()
    return invite


def invite_by_email(team: Team, by: User, email: str) -> TeamInvite:
    email = email.strip().lower()
    days = current_app.config["TEAM_EMAIL_INVITE_DAYS"]
    invite = TeamInvite(
        team_id=team.id,
        kind="email",
        email=email,
        code=secrets.token_urlsafe(24),
        created_by_id=by.id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invite)
    db.session.flush()
    title = f"{by.display_name} invites you to walk with {team.name} on Mile Quest"
    walker = _confirmed_walker(email)
    if walker is None:
        emails.queue_email(
            email,
            title,
            "emails/team_invite.txt",
            team=team,
            captain=by,
            invite_url=url_for("invites.email_invite", token=invite.code, _external=True),
            days=days,
        )
    else:  # a walker already: their notifications, on the channels they chose
        body = f"The invite works once, for {days} days. Open it to join {team.name}."
        link = url_for("invites.email_invite", token=invite.code)
        inbox.create(walker, Draft(Kind.TEAM_INVITE, f"invite:{invite.id}", title, link, body))
    return invite


def _confirmed_walker(email: str) -> User | None:
    """The account that confirmed `email` (the only one that may accept its invite)."""
    return db.session.scalar(
        select(User).where(
            User.email == email, User.email_verified_at.is_not(None), User.disabled_at.is_(None)
        )
    )


def pending_email_invites(team: Team) -> list[TeamInvite]:
    return list(
        db.session.scalars(
            select(TeamInvite)
            .where(
                TeamInvite.team_id == team.id,
                TeamInvite.kind == "email",
                TeamInvite.used_at.is_(None),
                TeamInvite.revoked_at.is_(None),
                TeamInvite.expires_at > utcnow(),
            )
            .order_by(TeamInvite.created_at.desc())
        )
    )


def revoke(team: Team, invite_id: int) -> TeamInvite | None:
    invite = db.session.get(TeamInvite, invite_id)
    if invite is None or invite.team_id != team.id:
        return None
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
    return invite


def revoke_all(team: Team) -> None:
    db.session.execute(
        update(TeamInvite)
        .where(TeamInvite.team_id == team.id, TeamInvite.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def usable_invite(code: str, kind: str) -> TeamInvite:
    """The invite for `code`, or InviteUnusable saying why it can't be used."""
    if kind == "link":
        code = normalize_code(code)
    invite = db.session.scalar(
        select(TeamInvite).where(TeamInvite.code == code, TeamInvite.kind == kind)
    )
    if invite is None:
        raise InviteUnusable("unknown")
    if invite.team.is_archived:
        raise InviteUnusable("archived", invite)
    if invite.revoked_at is not None:
        raise InviteUnusable("revoked", invite)
    if invite.used_at is not None:
        raise InviteUnusable("used", invite)
    if invite.expires_at <= utcnow():
        raise InviteUnusable("expired", invite)
    return invite


def refusal(invite: TeamInvite, user: User) -> str | None:
    """Why `user` may not accept `invite` (an InviteNotYours reason), or None if they may.

    An unconfirmed account is refused whatever its address: telling it "this one is yours,
    confirm first" would let anyone who holds the link test a guessed address by signing up.
    """
    if invite.kind != "email":
        return None
    if not user.is_verified:
        return "unconfirmed"
    if user.email.lower() != (invite.email or "").lower():
        return "someone_else"
    return None


def preview(invite: TeamInvite) -> InvitePreview:
    """The team as a stranger opening `invite` sees it: its journey so far and who invited them.

    The inviter of a share link is the captain who made the current link.
    """
    inviter = db.session.get_one(User, invite.created_by_id)
    journey = journeys.active_journey(invite.team)
    progress = journeys.progress(journey) if journey is not None else None
    return InvitePreview(invite.team, inviter.display_name, progress)


def claim(invite: TeamInvite, user: User) -> None:
    """Mark a single-use invite used by `user`.

    Raises InviteNotYours if it is not theirs to accept, InviteUnusable("used") if they were
    not first.
    """
    if invite.kind != "email":
        return
    reason = refusal(invite, user)
    if reason is not None:
        raise InviteNotYours(reason, invite)
    claimed = db.session.execute(
        update(TeamInvite)
        .where(TeamInvite.id == invite.id, TeamInvite.used_at.is_(None))
        .where(TeamInvite.revoked_at.is_(None), TeamInvite.expires_at > utcnow())
        .values(used_at=utcnow(), used_by_id=user.id)
        .returning(TeamInvite.id)
    ).scalar_one_or_none()
    if claimed is None:
        raise InviteUnusable("used", invite)
