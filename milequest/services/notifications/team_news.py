"""Notifications from a team's events: milestones and a finished journey to every member, a new
member to the captains. Idempotent: each (walker, event) makes one notification, ever.
"""

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Membership, Team, TeamEvent, User
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind
from milequest.models.team import Role
from milequest.services.notifications.inbox import Draft, create

KINDS = {
    "milestone_reached": NotificationKind.MILESTONE,
    "journey_completed": NotificationKind.JOURNEY_COMPLETED,
    "member_joined": NotificationKind.MEMBER_JOINED,
}


def notify_event(event_id: int) -> int:
    """Create the notifications an event causes (flushed). Returns how many are new."""
    event = db.session.get(TeamEvent, event_id)
    if event is None or event.kind not in KINDS:
        return 0
    team = db.session.get_one(Team, event.team_id)
    draft = _draft(event, team)
    created = 0
    for user in _recipients(event):
        created += create(user, draft) is not None
    return created


def recent_event_ids(within_s: int = 3600) -> list[int]:
    """Events that notify, from the last hour: the sweep re-runs them (a lost task, a crash)."""
    since = utcnow() - timedelta(seconds=within_s)
    return list(
        db.session.scalars(
            select(TeamEvent.id)
            .where(
                TeamEvent.kind.in_(KINDS),
                TeamEvent.created_at >= since,
            )
            .order_by(TeamEvent.id)
        )
    )


def _recipients(event: TeamEvent) -> list[User]:
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == event.team_id, Membership.left_at.is_(None))
        .order_by(User.id)
    )
    if event.kind == "member_joined":
        query = query.where(Membership.role == Role.CAPTAIN, User.id != event.subject_id)
    return list(db.session.scalars(query))


def _draft(event: TeamEvent, team: Team) -> Draft:
    link = url_for("teams.show", team_id=team.id)
    cause = f"event:{event.id}"
    kind = KINDS[event.kind]
    if event.kind == "milestone_reached":
        title = f"{team.name} reached {event.data.get('waypoint', 'a milestone')}"
        body = event.data.get("note") or "A milestone on your team's journey."
    elif event.kind == "journey_completed":
        title = f"{team.name} finished the journey {event.data.get('route', '')}".strip()
        body = "Every step counted. Well walked, all of you."
    else:
        name = event.subject.display_name if event.subject else "A walker"
        title = f"{name} joined {team.name}"
        body = "Say hello on the team page."
        link = url_for("team_members.index", team_id=team.id)
    return Draft(kind, cause, title, link, body, team.id)
