"""The console's jobs: what waits on each queue, what is stuck or failed, and a retry.

"Stuck" is what the beat sweeps would re-queue (the same `stuck_*_ids` queries); a retry sends
it again now through the same functions the sweeps use. A failed import or export cannot be run
again (an import's file is dropped once read; a walker asks for a new export), so those are
listed for reading only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import DataExport, GpsImport, Photo, User
from milequest.models.base import utcnow
from milequest.models.data_export import ExportStatus
from milequest.models.gps_import import ImportStatus
from milequest.models.photo import PhotoStatus
from milequest.services.core.commit_hooks import after_commit
from milequest.services.gallery import photos
from milequest.services.gps_imports import imports
from milequest.services.operations import audit_log
from milequest.services.walkers import data_exports

FAILED_SINCE = timedelta(days=7)
LIST_LIMIT = 50


class JobKind(StrEnum):
    PHOTO = "photo"
    IMPORT = "import"
    EXPORT = "export"


@dataclass(frozen=True)
class Job:
    kind: JobKind
    id: int
    user_id: int
    since: datetime | None
    note: str


def stuck_jobs() -> list[Job]:
    """Photos, imports and exports the sweeps would send again, oldest first."""
    photo_ids = photos.stuck_photo_ids()[:LIST_LIMIT]
    import_ids = imports.stuck_import_ids()[:LIST_LIMIT]
    export_ids = data_exports.stuck_export_ids()[:LIST_LIMIT]
    found = [
        Job(JobKind.PHOTO, p.id, p.user_id, p.queued_at, f"{p.attempts} attempts")
        for p in db.session.scalars(select(Photo).where(Photo.id.in_(photo_ids)))
    ]
    found += [
        Job(JobKind.IMPORT, i.id, i.user_id, i.created_at, i.filename)
        for i in db.session.scalars(select(GpsImport).where(GpsImport.id.in_(import_ids)))
    ]
    found += [
        Job(JobKind.EXPORT, e.id, e.user_id, e.created_at, f"{e.status}, {e.progress}%")
        for e in db.session.scalars(select(DataExport).where(DataExport.id.in_(export_ids)))
    ]
    return sorted(found, key=lambda job: (job.since is None, job.since))


def failed_jobs(since: timedelta = FAILED_SINCE) -> list[Job]:
    """Imports and exports that failed, and photos held because moderation kept failing."""
    cutoff = utcnow() - since
    found = [
        Job(JobKind.PHOTO, p.id, p.user_id, p.moderated_at, p.reason)
        for p in db.session.scalars(
            select(Photo)
            .where(
                Photo.status == PhotoStatus.HELD,
                Photo.attempts >= photos.MAX_ATTEMPTS,
                Photo.created_at > cutoff,
            )
            .limit(LIST_LIMIT)
        )
    ]
    found += [
        Job(JobKind.IMPORT, i.id, i.user_id, i.finished_at, f"{i.filename}: {i.message}")
        for i in db.session.scalars(
            select(GpsImport)
            .where(GpsImport.status == ImportStatus.FAILED, GpsImport.finished_at > cutoff)
            .limit(LIST_LIMIT)
        )
    ]
    found += [
        Job(JobKind.EXPORT, e.id, e.user_id, e.finished_at, e.error)
        for e in db.session.scalars(
            select(DataExport)
            .where(DataExport.status == ExportStatus.FAILED, DataExport.finished_at > cutoff)
            .limit(LIST_LIMIT)
        )
    ]
    return sorted(found, key=lambda job: (job.since is None, job.since), reverse=True)


def retry_job(operator: User, kind: JobKind, job_id: int) -> bool:
    """Send a job that is still open to its queue again (after commit); False if it is not."""
    if kind == JobKind.PHOTO:
        sent = photos.requeue_stuck(job_id)
    elif kind == JobKind.IMPORT:
        job = db.session.get(GpsImport, job_id)
        sent = job is not None and job.status == ImportStatus.QUEUED
        if sent:
            after_commit(imports.enqueue, job_id)
    else:
        export = db.session.get(DataExport, job_id)
        sent = export is not None and export.status in data_exports.OPEN
        if sent:
            after_commit(data_exports.enqueue, job_id)
    if sent:
        audit_log.record(operator, "job_retried", kind.value, job_id)
    return sent
