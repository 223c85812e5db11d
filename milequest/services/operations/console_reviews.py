"""The console's view of what waits for a review across every team: held walks and photos.

Captains decide held walks (the counting rule names the teams whose captains may); operators
see how long each has waited. Held photos operators review themselves at /photos/review.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity, Photo, Team
from milequest.models.activity import ReviewStatus
from milequest.models.photo import PhotoStatus
from milequest.services.walks import activity_reviews

LIST_LIMIT = 50


@dataclass(frozen=True)
class HeldWalk:
    activity: Activity
    teams: list[Team]  # whose captains may decide it; none: it waits for nobody


def held_walks(limit: int = LIST_LIMIT) -> list[HeldWalk]:
    """Held walks, oldest first, each with the teams whose captains review it."""
    held = db.session.scalars(
        select(Activity)
        .where(Activity.review_status == ReviewStatus.HELD)
        .order_by(Activity.created_at)
        .limit(limit)
    )
    found = []
    for activity in held:  # few, and the counting rule per walk keeps one definition
        team_ids = activity_reviews.reviewing_teams(activity)
        teams = db.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.id))
        found.append(HeldWalk(activity, list(teams)))
    return found


def held_counts() -> tuple[int, int]:
    """(walks held, photos held) across every team."""
    walks = select(func.count()).where(Activity.review_status == ReviewStatus.HELD)
    photos = select(func.count()).where(Photo.status == PhotoStatus.HELD)
    return db.session.execute(walks).scalar_one(), db.session.execute(photos).scalar_one()
