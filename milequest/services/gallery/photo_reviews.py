"""Who may see a photo, the review queue of held photos, and the feed events of approved ones.

A photo belongs to the teams its activity counts for (the counting rule): their members see
it once approved, their captains review it while held. The uploader sees their own photos in
every state; operators (`core.operators`) see and review all.
"""

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import BlockedPhotoHash, Photo, User
from milequest.models.base import utcnow
from milequest.models.photo import PhotoStatus
from milequest.refusals import Refused
from milequest.services.core import counters, team_access, team_events
from milequest.services.core.operators import is_operator

DECISIONS = {
    "approve": PhotoStatus.APPROVED,
    "reject": PhotoStatus.REJECTED,
    "block": PhotoStatus.REJECTED,
}


class NotWaiting(Refused, LookupError):
    """No held photo with that id for this reviewer (decided already, or not theirs)."""


def photo_team_ids(photo: Photo) -> set[int]:
    return counters.teams_of(photo.activity)  # a history walk's photos stay the walker's own


def can_view(photo: Photo, user: User) -> bool:
    if not user.is_authenticated:
        return False
    if photo.user_id == user.id or is_operator(user):
        return True
    if photo.status not in (PhotoStatus.APPROVED, PhotoStatus.HELD):
        return False
    for team_id in photo_team_ids(photo):
        membership = team_access.active_membership(team_id, user.id)
        if membership and (photo.status == PhotoStatus.APPROVED or membership.is_captain):
            return True
    return False


def is_shared(photo_id: int) -> bool:
    """Whether a photo the feed once announced is still there to show (its walker may delete it)."""
    photo = db.session.get(Photo, photo_id)
    return photo is not None and photo.status == PhotoStatus.APPROVED


def announce(photo: Photo) -> None:
    for team_id in sorted(photo_team_ids(photo)):
        team_events.record(
            team_id,
            "photo_approved",
            actor=photo.user,
            photo_id=photo.id,
            activity_id=photo.activity_id,
        )


def held_photos(team_id: int | None = None) -> list[Photo]:
    """Held photos, oldest first: all of them, or those of one team's activities."""
    held = db.session.scalars(
        select(Photo).where(Photo.status == PhotoStatus.HELD).order_by(Photo.id)
    )
    if team_id is None:
        return list(held)
    # Held photos are few; the counting rule per photo keeps one definition of "the team's".
    return [photo for photo in held if team_id in photo_team_ids(photo)]


def _waiting_for(photo: Photo, decision: str, team_id: int | None) -> bool:
    if photo.status != PhotoStatus.HELD or decision not in DECISIONS:
        return False
    return team_id is None or (team_id in photo_team_ids(photo) and decision != "block")


def review_photo(photo_id: int, reviewer: User, decision: str, team_id: int | None = None) -> Photo:
    """Approve or reject a held photo as a team's captain (`team_id`) or as an operator.

    "block" (operators only) also puts the picture on the block list. Raises NotWaiting.
    """
    photo = db.session.execute(
        select(Photo).where(Photo.id == photo_id).with_for_update()
    ).scalar_one_or_none()
    if photo is None or not _waiting_for(photo, decision, team_id):
        raise NotWaiting
    photo.status, photo.reviewed_by_id, photo.moderated_at = (
        DECISIONS[decision],
        reviewer.id,
        utcnow(),
    )
    photo.reason = "Approved by a reviewer." if decision == "approve" else "Rejected by a reviewer."
    if decision == "block" and photo.phash is not None and not _blocked(photo.phash):
        db.session.add(BlockedPhotoHash(phash=photo.phash, note=f"photo {photo.id}"))
    db.session.flush()
    if photo.status == PhotoStatus.APPROVED:
        announce(photo)
    return photo


def _blocked(phash: int) -> bool:
    return db.session.get(BlockedPhotoHash, phash) is not None
