"""Teams and their members: create, edit, archive, join, leave, roles.

Seats and the last-captain rule hold under concurrency: seats through an atomic UPDATE guarded
by a CHECK constraint, captains through a lock on the team row. An archived team is read-only:
its journey ends, and nobody joins, leaves, is removed or changes role any more.
"""

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from milequest.extensions import db
from milequest.models import Journey, Membership, Team, User
from milequest.models.base import utcnow
from milequest.models.team import Role
from milequest.refusals import Refused
from milequest.services.core import counters, team_events
from milequest.services.core.team_access import active_membership
from milequest.services.core.team_locks import lock_team
from milequest.services.journeying import journeys
from milequest.services.teamwork import team_invites


class TeamError(Refused):
    """A rule stopped the change; the message is for the walker."""


class TeamFull(TeamError):
    def __init__(self) -> None:
        super().__init__("This team is full. Ask a captain to raise the member limit.")


class TeamArchived(TeamError):
    def __init__(self) -> None:
        super().__init__("This team is archived: it can no longer change.")


class LastCaptain(TeamError):
    def __init__(self) -> None:
        super().__init__("A team needs a captain: make someone else captain first.")


def create_team(
    creator: User, *, name: str, description: str, is_public: bool, member_limit: int
) -> Team:
    team = Team(
        name=name.strip(),
        description=description.strip(),
        is_public=is_public,
        member_limit=member_limit,
        created_by_id=creator.id,
    )
    db.session.add(team)
    db.session.flush()
    team_events.record(team.id, "team_created", actor=creator)
    _add_member(team, creator, role=Role.CAPTAIN)
    team_invites.rotate_share_link(team, creator)
    return team


def update_team(
    team: Team, *, name: str, description: str, is_public: bool, member_limit: int
) -> Team:
    _lock_unarchived(team)
    if member_limit < team.member_count:
        raise TeamError(
            f"The team already has {team.member_count} members: the limit can't be lower."
        )
    team.name, team.description = name.strip(), description.strip()
    team.is_public, team.member_limit = is_public, member_limit
    db.session.flush()
    return team


def archive_team(team: Team, by: User) -> None:
    """Archive the team and end its journey: walks logged from now on credit it nothing."""
    _lock_unarchived(team)
    active = journeys.active_journey(team)
    if active is not None:
        journeys.abandon_journey(active, by)
    team_invites.revoke_all(team)
    # Only now: once archived_at is set, team_events.record drops all but "team_archived".
    team.archived_at = utcnow()
    team_events.record(team.id, "team_archived", actor=by)  # the last event of its log


def join_team(team: Team, user: User, *, via: str) -> Membership:
    """Add `user` as a member; joining a team one is already in returns that membership."""
    _refuse_if_archived(team)
    existing = active_membership(team.id, user.id)
    if existing is not None:
        return existing
    return _add_member(team, user, role=Role.MEMBER, via=via)


def join_with_invite(code: str, kind: str, user: User) -> Membership:
    """Join through an email invite or a share code. Raises InviteUnusable or TeamError.

    A member who opens an invite again stays a member and does not use up the invite.
    """
    invite = team_invites.usable_invite(code, kind)
    existing = active_membership(invite.team_id, user.id)
    if existing is not None:
        return existing
    team_invites.claim(invite, user)
    return join_team(invite.team, user, via=kind)


def leave_team(team: Team, user: User, *, removed_by: User | None = None) -> None:
    """Leave, or with `removed_by` be removed by a captain. Raises LastCaptain, TeamArchived."""
    _lock_unarchived(team)
    membership = active_membership(team.id, user.id)
    if membership is None:
        return
    if membership.is_captain and _captain_count(team) == 1:
        raise LastCaptain
    membership.left_at = utcnow()
    membership.left_on = user.local_date(membership.left_at)
    membership.removed = removed_by is not None
    db.session.execute(
        update(Team).where(Team.id == team.id).values(member_count=Team.member_count - 1)
    )
    db.session.refresh(team)
    extra = {"removed": True} if removed_by else {}
    team_events.record(team.id, "member_left", actor=removed_by or user, subject=user, **extra)


def change_role(team: Team, member: Membership, role: str, by: User) -> None:
    _lock_unarchived(team)
    if member.role == role:
        return
    if member.is_captain and _captain_count(team) == 1:
        raise LastCaptain
    member.role = role
    team_events.record(team.id, "role_changed", actor=by, subject=member.user, role=role)


def teams_for(user: User, *, archived: bool = False) -> list[Team]:
    archived_filter = Team.archived_at.is_not(None) if archived else Team.archived_at.is_(None)
    return list(
        db.session.scalars(
            select(Team)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user.id, Membership.left_at.is_(None), archived_filter)
            .order_by(Team.name)
        )
    )


def is_member(team: Team, user: User) -> bool:
    return active_membership(team.id, user.id) is not None


def members_of(team: Team) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .options(contains_eager(Membership.user))
            .where(Membership.team_id == team.id, Membership.left_at.is_(None))
            .order_by(Membership.role, User.display_name)
        )
    )


def member(team: Team, membership_id: int) -> Membership | None:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.team_id != team.id or membership.left_at is not None:
        return None
    return membership


def directory(query: str = "", limit: int = 50) -> list[Team]:
    """Public, active teams; a query ranks by name similarity."""
    statement = select(Team).where(Team.is_public, Team.archived_at.is_(None))
    query = query.strip()
    if query:
        similarity = func.similarity(Team.name, query)
        statement = statement.where(
            or_(Team.name.bool_op("%")(query), Team.name.ilike(f"%{escape_like(query)}%"))
        ).order_by(similarity.desc(), Team.member_count.desc())
    else:
        statement = statement.order_by(Team.member_count.desc(), Team.name)
    return list(db.session.scalars(statement.limit(limit)))


def _add_member(team: Team, user: User, *, role: str, via: str = "created") -> Membership:
    taken = db.session.execute(
        update(Team)
        .where(Team.id == team.id, Team.member_count < Team.member_limit)
        .where(Team.archived_at.is_(None))  # archived by the transaction this one waited for
        .values(member_count=Team.member_count + 1)
        .returning(Team.member_count)
    ).scalar_one_or_none()
    if taken is None:
        db.session.refresh(team)
        _refuse_if_archived(team)
        raise TeamFull
    now = utcnow()
    membership = Membership(
        team_id=team.id, user_id=user.id, role=role, joined_at=now, joined_on=user.local_date(now)
    )
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:  # joined in a parallel request a moment ago
        db.session.execute(
            update(Team).where(Team.id == team.id).values(member_count=Team.member_count - 1)
        )
        joined = active_membership(team.id, user.id)
        assert joined is not None  # the row whose unique index refused ours
        return joined
    db.session.refresh(team)
    credits = _count_walks_already_logged(team, user)
    team_events.record(team.id, "member_joined", actor=user, subject=user, via=via)
    journeys.announce_credits(credits, user)
    return membership


def _count_walks_already_logged(team: Team, user: User) -> list[counters.Credit]:
    """A walker joining today brings the walks logged earlier today, as the rule says."""
    counters.lock_walker(user.id)
    journey_ids = db.session.scalars(select(Journey.id).where(Journey.team_id == team.id))
    return counters.resync(user.id, journey_ids.all())


def _lock_unarchived(team: Team) -> None:
    lock_team(team)
    _refuse_if_archived(team)


def _captain_count(team: Team) -> int:
    return db.session.execute(
        select(func.count()).where(
            Membership.team_id == team.id,
            Membership.role == Role.CAPTAIN,
            Membership.left_at.is_(None),
        )
    ).scalar_one()


def _refuse_if_archived(team: Team) -> None:
    if team.is_archived:
        raise TeamArchived


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
