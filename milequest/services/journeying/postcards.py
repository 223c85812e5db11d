"""Postcards: passing a milestone makes one, each member sees it once, the journey keeps them.

A postcard is made in the transaction that appends its "milestone_reached" event, from the
state the team is in at that moment. A member sees it live when on the team page, and as a
banner on their next visit there (which counts as seen); dismissing it counts as seen too.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.models import Journey, JourneyContribution, Postcard, PostcardView, TeamEvent, User
from milequest.models.base import utcnow
from milequest.models.journey import JourneyStatus
from milequest.models.route import Waypoint
from milequest.models.team import Membership


def make_postcard(
    journey: Journey, waypoint: Waypoint, event: TeamEvent, by: User | None
) -> Postcard:
    """The postcard of `event` (the team just passed `waypoint`). Flushed."""
    postcard = Postcard(
        journey_id=journey.id,
        team_id=journey.team_id,
        event_id=event.id,
        place_name=waypoint.name,
        facts=_facts(waypoint),
        milestone_m=waypoint.distance_m,
        distance_m=journey.distance_m,
        days=max((_today_of(by) - journey.started_on).days + 1, 1),
        walkers=walkers_so_far(journey.id),
        crossed_by_id=by.id if by else None,
    )
    db.session.add(postcard)
    db.session.flush()
    return postcard


def _today_of(walker: User | None) -> date:
    # started_on is the starter's local date: count in local dates too, the crosser's.
    now = utcnow()
    return walker.local_date(now) if walker else now.date()


def _facts(waypoint: Waypoint) -> str:
    # The catalog may give milestones a `facts` text beside the older `note`.
    return (getattr(waypoint, "facts", None) or waypoint.note or "").strip()


def walkers_so_far(journey_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(JourneyContribution)
        .where(JourneyContribution.journey_id == journey_id, JourneyContribution.distance_m > 0)
    ).scalar_one()


def for_event(event_id: int) -> Postcard | None:
    return db.session.scalar(select(Postcard).where(Postcard.event_id == event_id))


def of_journey(journey: Journey) -> list[Postcard]:
    """The journey's gallery, in the order the team passed them."""
    return list(
        db.session.scalars(
            select(Postcard).where(Postcard.journey_id == journey.id).order_by(Postcard.id)
        )
    )


def show_unseen(membership: Membership) -> list[Postcard]:
    """The postcards of the member's team they have not seen since they joined, oldest first,
    now recorded as seen (they are about to be shown). Flushed."""
    unseen = list(
        db.session.scalars(
            select(Postcard)
            .where(
                Postcard.team_id == membership.team_id,
                Postcard.created_at >= membership.joined_at,
                ~select(PostcardView)
                .where(
                    PostcardView.postcard_id == Postcard.id,
                    PostcardView.user_id == membership.user_id,
                )
                .exists(),
            )
            .order_by(Postcard.id)
        )
    )
    for postcard in unseen:
        mark_seen(postcard, membership.user_id)
    return unseen


def mark_seen(postcard: Postcard, user_id: int) -> None:
    """Idempotent: a second dismiss, at the same time or later, changes nothing."""
    db.session.execute(
        insert(PostcardView)
        .values(postcard_id=postcard.id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["postcard_id", "user_id"])
    )


def team_postcard(team_id: int, postcard_id: int) -> Postcard | None:
    return db.session.scalar(
        select(Postcard).where(Postcard.id == postcard_id, Postcard.team_id == team_id)
    )


def team_journey(team_id: int, journey_id: int) -> Journey | None:
    return db.session.scalar(
        select(Journey).where(Journey.id == journey_id, Journey.team_id == team_id)
    )


def completed_journey(team_id: int, journey_id: int) -> Journey | None:
    journey = team_journey(team_id, journey_id)
    return journey if journey and journey.status == JourneyStatus.COMPLETED else None
