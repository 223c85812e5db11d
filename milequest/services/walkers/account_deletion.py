"""Deleting an account: asked for, a grace period (logging in cancels it), then removal.

Removal leaves no row that names the walker: their activities (tracks, photos and the photo
files too) go and every counter they moved is taken back through the counting rule; teams
they alone captained pass to the longest-standing member (or are archived when empty); the
team log keeps its events but forgets who (the page says "a former walker"); what others
still use (a team, a journey, a route a journey follows) forgets who made it. The address can
sign up again at once.

Locks: the rows of the teams the walker is in (id order, as a join takes its team's row before
the joiner's lock), then the walker's counting lock, then the journeys in id order, then the
team log's append locks in team-id order: the order ARCHITECTURE.md gives.
"""

from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import delete, exists, func, select, update

from milequest.extensions import db
from milequest.lib.photo_storage import delete_objects
from milequest.models import (
    Activity,
    Journey,
    JourneyContribution,
    JourneyMemberDay,
    Membership,
    OutboundEmail,
    Photo,
    Postcard,
    Route,
    Team,
    TeamEvent,
    TeamInvite,
    User,
    WalkerDay,
)
from milequest.models.base import utcnow
from milequest.models.team import Role
from milequest.services.core import counters, emails, team_events
from milequest.services.core.commit_hooks import after_commit
from milequest.services.core.team_locks import lock_team
from milequest.services.teamwork import teams
from milequest.services.walkers import data_exports, walker_sessions

GRACE = timedelta(days=7)


def request_deletion(user: User) -> datetime:
    """Schedule the account's deletion after the grace period and log out every device."""
    user.deletion_due_at = utcnow() + GRACE
    walker_sessions.end_all_sessions(user.id)
    emails.queue_email(
        user.email,
        "Your Mile Quest account will be deleted",
        "emails/deletion_scheduled.txt",
        user=user,
        due=user.deletion_due_at,
        login_url=url_for("accounts.login_form", _external=True),
    )
    db.session.flush()
    return user.deletion_due_at


def cancel_deletion(user: User) -> bool:
    """Keep the account (a log-in during the grace period); True if a deletion was pending."""
    if user.deletion_due_at is None:
        return False
    user.deletion_due_at = None
    db.session.flush()
    return True


def due_account_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).where(User.deletion_due_at <= utcnow()).order_by(User.id)
        )
    )


def delete_account(user_id: int) -> bool:
    """Remove the walker for good if their deletion is due; False when it is not (or done)."""
    for team in _teams_in(user_id):
        lock_team(team)
    counters.lock_walker(user_id)
    user = db.session.execute(
        select(User).where(User.id == user_id).with_for_update()
    ).scalar_one_or_none()
    if user is None or user.deletion_due_at is None or user.deletion_due_at > utcnow():
        return False
    credited_teams = _remove_activities(user)
    member_of = {team.id: team for team in _teams_in(user_id)}
    for team_id in sorted(credited_teams | member_of.keys()):  # the log's append order
        if team_id in credited_teams:
            team_events.record(team_id, "activity_changed")  # teammates' totals move
        if team_id in member_of:
            _leave(member_of[team_id], user)
    _forget(user)
    db.session.delete(user)
    db.session.flush()
    return True


def _teams_in(user_id: int) -> list[Team]:
    """The teams the walker is a member of now, in id order."""
    return list(
        db.session.scalars(
            select(Team)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user_id, Membership.left_at.is_(None))
            .order_by(Team.id)
        )
    )


def _remove_activities(user: User) -> set[int]:
    """Take back what every activity counted, then delete them. The teams whose totals moved."""
    journey_ids = db.session.scalars(
        select(Journey.id).where(
            Journey.team_id.in_(select(Membership.team_id).where(Membership.user_id == user.id))
        )
    )
    counters.lock_journeys(set(journey_ids))
    credited: set[int] = set()
    owned = select(Activity).where(Activity.user_id == user.id).order_by(Activity.id)
    for activity in db.session.scalars(owned.with_for_update(of=Activity)).all():
        for credit in counters.apply_activity(activity, -1):
            credited.add(credit.team_id)
        db.session.delete(activity)  # its photos' files go once committed (gallery.photos)
    db.session.flush()
    return credited


def _leave(team: Team, user: User) -> None:
    """Leave a team the walker is in; a team they alone captain passes on, or is archived."""
    db.session.execute(
        update(Team).where(Team.id == team.id).values(member_count=Team.member_count - 1)
    )
    if team.is_archived:
        return
    others = teams.members_of(team)
    mine = next(m for m in others if m.user_id == user.id)
    others = sorted((m for m in others if m.user_id != user.id), key=lambda m: (m.joined_at, m.id))
    if not others:
        teams.archive_team(team, user)
    elif mine.is_captain and not any(m.is_captain for m in others):
        successor = others[0]
        successor.role = Role.CAPTAIN
        team_events.record(team.id, "role_changed", subject=successor.user, role=Role.CAPTAIN)
    team_events.record(team.id, "member_left")  # dropped when the team was just archived


def _forget(user: User) -> None:
    """Delete or blank every other row that names the walker."""
    uid = user.id
    for column in (
        TeamEvent.actor_id,  # the page then says "a former walker"
        TeamEvent.subject_id,
        Team.created_by_id,
        TeamInvite.created_by_id,
        TeamInvite.used_by_id,
        Journey.started_by_id,
        Photo.reviewed_by_id,
        Postcard.crossed_by_id,  # the postcard then says a former walker took the team over
    ):
        db.session.execute(update(column.class_).where(column == uid).values({column.key: None}))
    db.session.execute(delete(TeamInvite).where(func.lower(TeamInvite.email) == user.email.lower()))
    db.session.execute(
        delete(OutboundEmail).where(func.lower(OutboundEmail.to_address) == user.email.lower())
    )
    followed = exists().where(Journey.route_id == Route.id)
    db.session.execute(update(Route).where(Route.owner_id == uid, followed).values(owner_id=None))
    db.session.execute(delete(Route).where(Route.owner_id == uid))
    for table in (JourneyMemberDay, JourneyContribution, WalkerDay, Membership):
        db.session.execute(delete(table).where(table.user_id == uid))
    export_keys = data_exports.storage_keys_of(uid)
    if export_keys:
        after_commit(delete_objects, export_keys)
