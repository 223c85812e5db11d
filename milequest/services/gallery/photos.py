"""Attach photos to activities and moderate them; moderation is idempotent and safe to re-run.

An upload is checked whole (count, size, content) before anything is stored, then kept
privately as pending; the `moderation` queue gets its id once the transaction commits, and
stored files go only once the rows that name them are gone for good.
"""

import logging
import secrets
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, select, update

from milequest.blocking import run_blocking
from milequest.extensions import db
from milequest.lib import image_cleaning, photo_classifier, task_queue
from milequest.lib.photo_storage import delete_objects, storage
from milequest.models import Activity, BlockedPhotoHash, Photo
from milequest.models.base import utcnow
from milequest.models.photo import PhotoStatus, storage_keys
from milequest.refusals import Refused
from milequest.services.core import team_events
from milequest.services.core.commit_hooks import after_commit, after_rollback
from milequest.services.gallery import photo_reviews

MAX_PHOTOS = 4
MAX_BYTES = 10 * 1024 * 1024
MAX_ATTEMPTS = 5
NEAR_MATCH_BITS = 6  # perceptual hashes this close are the same picture
MODERATE_TASK = "workers.photos.moderate_photo"
STORE_FAILED = (
    "Photos cannot be stored right now (our photo storage is full), so none was added. "
    "Try again later from the walk's photos."
)
log = logging.getLogger(__name__)


class PhotoInvalid(Refused, ValueError):
    """The message says what is wrong, for the walker; nothing was stored."""


class PhotoNotStored(PhotoInvalid):
    """The photo store could not take the upload (full, or failing): no photo was kept.

    The activity the photos were for is untouched: logging a walk with photos keeps the walk.
    """


def attach_photos(activity: Activity, uploads: list[bytes]) -> list[Photo]:
    """Store each upload as a pending photo of `activity` (flushed; queued after commit).

    `uploads` hold each file's bytes, read up to MAX_BYTES + 1. Raises PhotoInvalid.
    """
    uploads = [data for data in uploads if data]
    if not uploads:
        return []
    if count_photos(activity) + len(uploads) > MAX_PHOTOS:
        raise PhotoInvalid(f"An activity can have at most {MAX_PHOTOS} photos.")
    content_types = []
    for n, data in enumerate(uploads, 1):
        which = f"Photo {n}" if len(uploads) > 1 else "The photo"
        if len(data) > MAX_BYTES:
            raise PhotoInvalid(f"{which} is larger than 10 MB.")
        try:
            content_types.append(
                run_blocking(image_cleaning.check, data, refusals=(image_cleaning.ImageRejected,))
            )
        except image_cleaning.ImageRejected as rejected:
            raise PhotoInvalid(f"{which}: {rejected}") from rejected
    try:
        # A savepoint: when one photo cannot be stored, the ones stored before it go too (their
        # rows now, their files by after_rollback), and whatever else the transaction did stays.
        with db.session.begin_nested():
            return [
                _store(activity, data, ct) for data, ct in zip(uploads, content_types, strict=True)
            ]
    except OSError as failure:
        log.error("photo store refused an upload of %d file(s): %s", len(uploads), failure)
        raise PhotoNotStored(STORE_FAILED) from failure


def count_photos(activity: Activity) -> int:
    return len(photos_of(activity))


def photos_of(activity: Activity) -> list[Photo]:
    return list(
        db.session.scalars(select(Photo).where(Photo.activity_id == activity.id).order_by(Photo.id))
    )


def owned_photo(photo_id: int, user_id: int) -> Photo | None:
    photo = db.session.get(Photo, photo_id)
    return photo if photo is not None and photo.user_id == user_id else None


def delete_photo(photo: Photo) -> None:
    """Remove the row now; the stored objects go once the transaction commits."""
    if photo.status == PhotoStatus.APPROVED:  # teams' feeds showed it: their version moves
        for team_id in sorted(photo_reviews.photo_team_ids(photo)):
            team_events.record(team_id, "photo_removed", actor=photo.user, photo_id=photo.id)
    after_commit(delete_objects, storage_keys(photo.token))
    db.session.delete(photo)
    db.session.flush()


def start_attempt(photo_id: int) -> bool:
    """Count one moderation run (the caller commits it first); False if nothing is pending."""
    counted = db.session.execute(
        update(Photo)
        .where(Photo.id == photo_id, Photo.status == PhotoStatus.PENDING)
        .values(attempts=Photo.attempts + 1)
        .returning(Photo.id)
    ).scalar_one_or_none()
    return counted is not None


def moderate_photo(photo_id: int) -> str | None:
    """Clean, hash and classify a pending photo; returns its new status, None if not pending.

    The row stays locked until the caller commits, so two runs never both decide; a run whose
    worker died leaves the photo pending and its derived files are simply written again.
    """
    photo = db.session.execute(
        select(Photo).where(Photo.id == photo_id).with_for_update()
    ).scalar_one_or_none()
    if photo is None or photo.status != PhotoStatus.PENDING:
        return None
    store = storage()
    try:
        cleaned = image_cleaning.clean(store.get(photo.original_key))
    except (KeyError, image_cleaning.ImageRejected) as problem:
        reason = str(problem) if isinstance(problem, ValueError) else "The upload was lost."
        return _decide(photo, PhotoStatus.REJECTED, reason)
    store.put(photo.derived_key("display"), cleaned.display, "image/jpeg")
    store.put(photo.derived_key("thumb"), cleaned.thumb, "image/jpeg")
    photo.width, photo.height, photo.phash = cleaned.width, cleaned.height, cleaned.phash
    _pause_if_configured()
    reason = _matches_block_list(cleaned.phash) or _duplicate_on_activity(photo)
    if reason:
        return _decide(photo, PhotoStatus.REJECTED, reason)
    verdict = photo_classifier.classifier().classify(cleaned.display)
    photo.nudity_score = verdict.score
    config = current_app.config
    status = PhotoStatus(
        photo_classifier.decide(verdict, config["PHOTO_HOLD_SCORE"], config["PHOTO_REJECT_SCORE"])
    )
    reasons = {
        PhotoStatus.HELD: "Waiting for a captain's review.",
        PhotoStatus.REJECTED: "Not suitable to share.",
    }
    return _decide(photo, status, reasons.get(status, ""))


def stuck_photo_ids(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    return list(
        db.session.scalars(
            select(Photo.id).where(
                Photo.status == PhotoStatus.PENDING, Photo.queued_at < utcnow() - older_than
            )
        )
    )


def requeue_stuck(photo_id: int) -> bool:
    """Re-queue a stuck photo (after commit), or hold it for review once it failed too often."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != PhotoStatus.PENDING:
        return False
    if photo.attempts >= MAX_ATTEMPTS:
        _decide(photo, PhotoStatus.HELD, "Automatic checks failed; waiting for a review.")
        return False
    photo.queued_at = utcnow()
    after_commit(enqueue_moderation, photo.id)
    return True


def enqueue_moderation(photo_id: int) -> None:
    task_queue.send(MODERATE_TASK, photo_id, "moderation")


def _store(activity: Activity, data: bytes, content_type: str) -> Photo:
    photo = Photo(
        activity_id=activity.id,
        user_id=activity.user_id,
        token=secrets.token_hex(16),
        content_type=content_type,
        byte_size=len(data),
        queued_at=utcnow(),
    )
    storage().put(photo.original_key, data, content_type)
    after_rollback(delete_objects, [photo.original_key])  # else an orphan, named by no row
    db.session.add(photo)
    db.session.flush()
    after_commit(enqueue_moderation, photo.id)
    return photo


def _decide(photo: Photo, status: str, reason: str) -> str:
    photo.status, photo.reason, photo.moderated_at = status, reason, utcnow()
    db.session.flush()
    if status == PhotoStatus.APPROVED:
        photo_reviews.announce(photo)
    return status


def _matches_block_list(phash: int) -> str:
    for blocked in db.session.scalars(select(BlockedPhotoHash.phash)):
        if image_cleaning.hamming(blocked, phash) <= NEAR_MATCH_BITS:
            return "This image is not allowed here."
    return ""


def _duplicate_on_activity(photo: Photo) -> str:
    others = db.session.scalars(
        select(Photo.phash).where(
            Photo.activity_id == photo.activity_id,
            Photo.id != photo.id,
            Photo.phash.is_not(None),
            Photo.status.in_((PhotoStatus.APPROVED, PhotoStatus.HELD)),
        )
    )
    mine = photo.phash
    if mine is not None and any(
        image_cleaning.hamming(other, mine) <= NEAR_MATCH_BITS
        for other in others
        if other is not None
    ):
        return "The same picture is already on this activity."
    return ""


def _pause_if_configured() -> None:
    # Only the crash-recovery test sets this: it needs a run that is visibly mid-way.
    delay_s = current_app.config.get("PHOTO_MODERATION_DELAY_S")
    if delay_s:
        time.sleep(float(delay_s))


@event.listens_for(Activity, "before_delete")
def _activity_deleted(mapper, connection, activity: Activity) -> None:
    # The rows go by ON DELETE CASCADE; their stored files must go too, once that is committed.
    tokens = connection.scalars(select(Photo.token).where(Photo.activity_id == activity.id))
    keys = [key for token in tokens for key in storage_keys(token)]
    if keys:
        after_commit(delete_objects, keys)
