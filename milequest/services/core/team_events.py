"""Append to and read the per-team event log; announce committed events on Redis.

Each new event id is published on channel `team:<team_id>` once its outermost transaction
commits (never before, not when a savepoint is released, never for a rollback). Appends to
one team are serialized until commit, so a team's event ids become visible in id order: a
reader that has seen id N has seen every earlier one, which is what lets the live stream
resume from "the last id I saw".
"""

import logging

import redis
from flask import current_app
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.models import Team, TeamEvent, User
from milequest.services.core.commit_hooks import after_commit

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "team:"
_APPEND_LOCK = 0x7E57  # first key of pg_advisory_xact_lock(key, team_id)
# Live totals or names move, the feed says nothing: an activity edited or deleted, a member
# renamed, a shared photo removed, a journey's target date set (each moves the team's version:
# team_page_parts).
QUIET_KINDS = ("activity_changed", "member_renamed", "photo_removed", "journey_target_set")
# Events that notify walkers (services/notifications/team_news): queued by task name once the
# event commits, so core never imports the feature.
NOTIFYING_KINDS = ("milestone_reached", "journey_completed", "member_joined")
NOTIFY_TASK = "workers.notifications.notify_team_event"


def record(
    team_id: int, kind: str, *, actor: User | None = None, subject: User | None = None, **data
) -> TeamEvent | None:
    """Append an event (flushed, not committed); None if the team's log is closed.

    Holds the team's append lock until the transaction ends. A transaction that appends to
    several teams must append in team-id order, or two of them can deadlock.
    An archived team's log ends with its "team_archived" event: a late append (a walk credited
    to its journey just before it ended, the review of an older walk or photo) is dropped.
    """
    db.session.execute(select(func.pg_advisory_xact_lock(_APPEND_LOCK, team_id)))
    if kind != "team_archived" and _is_archived(team_id):  # read after the lock: committed
        return None
    event = TeamEvent(
        team_id=team_id,
        kind=kind,
        actor_id=actor.id if actor else None,
        subject_id=subject.id if subject else None,
        data=data,
    )
    db.session.add(event)
    db.session.flush()
    after_commit(_publish, team_id, event.id)  # a hub reading the log earlier would miss it
    if kind in NOTIFYING_KINDS:
        after_commit(task_queue.send, NOTIFY_TASK, event.id, "notifications")
    return event


def _is_archived(team_id: int) -> bool:
    return db.session.scalar(select(Team.archived_at).where(Team.id == team_id)) is not None


def recent(team_id: int, limit: int = 20, before: int | None = None) -> list[TeamEvent]:
    """The team's feed, newest first: events with words (QUIET_KINDS only move the numbers);
    with `before`, the page older than that event id."""
    query = select(TeamEvent).where(
        TeamEvent.team_id == team_id, TeamEvent.kind.not_in(QUIET_KINDS)
    )
    if before is not None:
        query = query.where(TeamEvent.id < before)
    return list(db.session.scalars(query.order_by(TeamEvent.id.desc()).limit(limit)))


def after(team_id: int, after_id: int, limit: int = 100) -> list[TeamEvent]:
    """The team's events with an id above `after_id`, oldest first."""
    return list(
        db.session.scalars(
            select(TeamEvent)
            .where(TeamEvent.team_id == team_id, TeamEvent.id > after_id)
            .order_by(TeamEvent.id)
            .limit(limit)
        )
    )


def last_id(team_id: int) -> int:
    return (
        db.session.scalar(select(func.max(TeamEvent.id)).where(TeamEvent.team_id == team_id)) or 0
    )


def channel(team_id: int) -> str:
    return f"{CHANNEL_PREFIX}{team_id}"


def _publish(team_id: int, event_id: int) -> None:
    # A Redis outage is only logged: a reconnecting client catches up from the log, and every
    # web process's hub re-reads the log when it subscribes again or on its next notification.
    try:
        current_app.extensions["redis"].publish(channel(team_id), event_id)
    except redis.ConnectionError as unreachable:
        log.warning("Could not announce team %s's event %s: %s", team_id, event_id, unreachable)
