"""Photo moderation on the `moderation` queue: thin wrappers over services.photos."""

from celery import shared_task

from milequest.extensions import db
from milequest.services.gallery import photos


@shared_task(name="workers.photos.moderate_photo")
def moderate_photo(photo_id: int) -> None:
    # The attempt is committed before the run, so a run that kills its worker still counts.
    if not photos.start_attempt(photo_id):
        db.session.rollback()
        return
    db.session.commit()
    try:
        photos.moderate_photo(photo_id)
    except Exception:
        db.session.rollback()  # stays pending: the sweep tries again, then holds it for review
        raise
    db.session.commit()


@shared_task(name="workers.photos.sweep_stuck_photos")
def sweep_stuck_photos() -> int:
    """Re-queue photos still pending after 10 minutes (lost task, crashed worker)."""
    requeued = sum(photos.requeue_stuck(photo_id) for photo_id in photos.stuck_photo_ids())
    db.session.commit()
    return requeued
