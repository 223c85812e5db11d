"""Captains review held (implausible) activities: approve to count them once, or reject.

A team's captains review a held activity when the team's journey is one it would count for
if it were "ok" (the counting rule decides, as for every count).
"""

from sqlalchemy import select, text

from milequest.extensions import db
from milequest.models import Activity, Team, User
from milequest.models.activity import ReviewStatus
from milequest.models.base import utcnow
from milequest.refusals import Refused
from milequest.services.achievements import badges
from milequest.services.core import counters, team_events
from milequest.services.journeying import journeys
from milequest.services.walks import activity_kinds

# The counting rule, applied to held activities as if they were "ok".
_HELD_FOR_TEAM = text(f"""
    SELECT DISTINCT a.id FROM journeys j,
        (SELECT id, user_id, activity_date, created_at, counts_for_journeys,
                'ok'::text AS review_status
         FROM activities WHERE review_status = 'held') a
    WHERE j.team_id = :team_id AND {counters.CREDIT_RULE}
""")


class ReviewRefused(Refused, ValueError):
    """The review cannot happen; the message is for the captain."""


def held_for_team(team: Team) -> list[Activity]:
    if team.is_archived:  # read-only: its journey ended and its log is closed
        return []
    ids = list(db.session.scalars(_HELD_FOR_TEAM, {"team_id": team.id}))
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Activity).where(Activity.id.in_(ids)).order_by(Activity.created_at)
        )
    )


def reviewing_teams(activity: Activity) -> set[int]:
    """The teams whose journeys the activity would count for once approved."""
    return counters.teams_of(activity, review_status=ReviewStatus.OK)


def review(activity_id: int, team: Team, captain: User, approve: bool) -> Activity:
    """Approve (count it, once) or reject a held activity as a captain of `team`. Flushes.

    The row lock makes two captains' simultaneous approvals count it once.
    """
    if team.is_archived:
        raise ReviewRefused("This team is archived: it no longer reviews walks.")
    walker_id = db.session.scalar(select(Activity.user_id).where(Activity.id == activity_id))
    if walker_id is not None:
        counters.lock_walker(walker_id)
    activity = db.session.execute(
        select(Activity)
        .where(Activity.id == activity_id)
        .with_for_update(of=Activity)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    team_ids = reviewing_teams(activity) if activity is not None else set()
    if activity is None or team.id not in team_ids:
        raise ReviewRefused("That activity is not waiting for this team's review.")
    if activity.review_status != ReviewStatus.HELD:
        raise ReviewRefused("Another captain has reviewed that activity already.")
    activity.review_status = ReviewStatus.OK if approve else ReviewStatus.REJECTED
    activity.updated_at = utcnow()
    db.session.flush()
    credits: list[counters.Credit] = []
    earned: list[badges.Earned] = []
    if approve:  # the walk now counts in the walker's own days: badges may follow
        credits = counters.apply_activity(activity, +1)
        earned = badges.recompute(activity.user_id)
    for team_id in sorted(team_ids | badges.teams_to_tell(activity.user_id, earned)):
        if team_id in team_ids:
            team_events.record(
                team_id,
                "activity_approved" if approve else "activity_rejected",
                actor=captain,
                subject=activity.user,
                activity_id=activity.id,
                distance_m=float(activity.distance_m),
                activity_kind=activity.kind,
                **activity_kinds.counted_said(activity),
            )
        badges.tell_team(team_id, activity.user, earned)
    journeys.announce_credits(credits, activity.user)
    return activity
