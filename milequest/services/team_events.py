"""Append to and read the per-team event log; announce committed events on Redis.

Each new event id is published on channel `team:<team_id>` once its outermost transaction
commits (never before, not when a savepoint is released, never for a rollback). Appends to
one team are serialized until commit, so a team's event ids become visible in id order: a
reader that has seen id N has seen every earlier one, which is what lets the live stream
resume from "the last id I saw".
"""

import logging

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from milequest.extensions import db
from milequest.models import Team, TeamEvent, User
from milequest.services.commit_hooks import ending_a_savepoint

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "team:"
_TO_PUBLISH = "milequest.team_events_to_publish"
_APPEND_LOCK = 0x7E57  # first key of pg_advisory_xact_lock(key, team_id)
QUIET_KINDS = ("activity_changed",)  # an edit or a delete: live totals move, the feed says nothing


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
    db.session.info.setdefault(_TO_PUBLISH, []).append((team_id, event.id))
    return event


def _is_archived(team_id: int) -> bool:
    return db.session.scalar(select(Team.archived_at).where(Team.id == team_id)) is not None


def recent(team_id: int, limit: int = 20) -> list[TeamEvent]:
    """The team's feed, newest first: events with words (QUIET_KINDS only move the numbers)."""
    return list(
        db.session.scalars(
            select(TeamEvent)
            .where(TeamEvent.team_id == team_id, TeamEvent.kind.not_in(QUIET_KINDS))
            .order_by(TeamEvent.id.desc())
            .limit(limit)
        )
    )


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


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    if ending_a_savepoint(session):  # a hub reading the log now would not see the events
        return
    published = session.info.pop(_TO_PUBLISH, [])
    if not published:
        return
    # A Redis outage must not fail the request that committed: a reconnecting client catches
    # up from the log, and every web process re-reads the log on its next notification.
    try:
        pipeline = current_app.extensions["redis"].pipeline(transaction=False)
        for team_id, event_id in published:
            pipeline.publish(channel(team_id), event_id)
        pipeline.execute()
    except Exception:
        log.exception("Could not publish team events %s", published)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_outermost_end(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction's end forgets (a commit has published already): a
    # savepoint rolled back keeps what was recorded before it, and an announced id that no
    # longer exists costs a reader one empty look at the log.
    if transaction.parent is None:
        session.info.pop(_TO_PUBLISH, None)
