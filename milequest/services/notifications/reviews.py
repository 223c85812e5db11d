"""Captains hear about walks and photos waiting for their review: at most one a day per team."""

from datetime import datetime

from flask import url_for
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, Membership, Team, User
from milequest.models.activity import ReviewStatus
from milequest.models.base import utcnow
from milequest.models.notification import NotificationKind
from milequest.models.team import Role
from milequest.services.gallery import photo_reviews
from milequest.services.notifications.inbox import Draft, create
from milequest.services.walks import activity_reviews


def waiting_by_team() -> dict[int, tuple[int, int]]:
    """{team id: (held walks, held photos)} for teams with something to review."""
    waiting: dict[int, list[int]] = {}
    held = db.session.scalars(select(Activity).where(Activity.review_status == ReviewStatus.HELD))
    for activity in held:
        for team_id in activity_reviews.reviewing_teams(activity):
            waiting.setdefault(team_id, [0, 0])[0] += 1
    for photo in photo_reviews.held_photos():
        for team_id in photo_reviews.photo_team_ids(photo):
            waiting.setdefault(team_id, [0, 0])[1] += 1
    return {team_id: (walks, photos) for team_id, (walks, photos) in waiting.items()}


def notify_captains(now: datetime | None = None) -> int:
    """Tell each team's captains what waits for them (flushed). Returns how many are new."""
    now = now or utcnow()
    created = 0
    for team_id, (walks, photos) in sorted(waiting_by_team().items()):
        team = db.session.get(Team, team_id)
        if team is None or team.is_archived:
            continue
        draft = Draft(
            NotificationKind.REVIEW_WAITING,
            f"review:{team_id}:{now:%Y-%m-%d}",
            f"{team.name}: {_waiting_words(walks, photos)} waiting for your review",
            _review_link(team_id, walks),
            "Held walks count, and held photos show, once a captain approves them.",
            team_id,
        )
        for captain in _captains(team_id):
            created += create(captain, draft, now) is not None
    return created


def _review_link(team_id: int, walks: int) -> str:
    if walks:
        return url_for("activity_reviews.index", team_id=team_id)
    return url_for("photos.team_review", team_id=team_id)


def _waiting_words(walks: int, photos: int) -> str:
    parts = []
    if walks:
        parts.append(f"{walks} walk{'s' if walks != 1 else ''}")
    if photos:
        parts.append(f"{photos} photo{'s' if photos != 1 else ''}")
    return " and ".join(parts)


def _captains(team_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.team_id == team_id,
                Membership.left_at.is_(None),
                Membership.role == Role.CAPTAIN,
            )
            .order_by(User.id)
        )
    )
