"""GPS file imports: accept an upload as one job per file, then (on the `imports` queue) turn
each file into activities with their tracks, skipping duplicates.

Each activity of a file imports in its own savepoint: one that cannot be imported is listed
with its reason and the others go in. The job row says, per track, what happened.
"""

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import BinaryIO

from sqlalchemy import exists, select, text
from sqlalchemy.orm import aliased

from milequest.extensions import db
from milequest.lib import gps_files, task_queue, zip_uploads
from milequest.lib.gps_files import FileRefused, Recording
from milequest.models import Activity, GpsImport, User
from milequest.models.activity import MAX_DISTANCE_M, ReviewStatus
from milequest.models.base import utcnow
from milequest.models.gps_import import ImportStatus
from milequest.refusals import Refused
from milequest.services.core.commit_hooks import after_commit
from milequest.services.gps_imports import strava_exports
from milequest.services.walks import activities, plausibility

IMPORT_TASK = "workers.imports.import_file"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FILES = 100
MAX_EXPORT_BYTES = 1024 * 1024 * 1024  # a Strava export with its photos; only GPS files are read
# Client ids of imported activities derive from the file's content, so a re-import is a no-op.
CLIENT_ID_NAMESPACE = uuid.UUID("6f1e7c7a-2b0e-4c38-9a51-3d1c8f0b9e21")
SAME_DISTANCE_M = 100
SAME_DISTANCE_SHARE = Decimal("0.05")
_LENGTH_M = text("SELECT ST_Length(ST_GeomFromEWKT(:track)::geography)")


class OutcomeKind(StrEnum):
    """What became of one track, activity or session of a file."""

    IMPORTED = "imported"
    HELD = "held"  # imported, waiting for a captain's review
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"


class UploadRefused(Refused, ValueError):
    """The upload as a whole is refused; the message is for the walker."""


def accept_upload(walker: User, files: list[tuple[str, bytes | BinaryIO]]) -> uuid.UUID:
    """One job row per file (zips opened here); returns the batch id. Flushes, never commits.

    A file is its bytes or a seekable stream (an upload spooled to disk). Each queued job goes
    to the `imports` queue once the caller commits.
    """
    if not files:
        raise UploadRefused("Choose at least one .gpx, .tcx, .fit or .zip file.")
    plain, exports = _sorted_uploads(files)
    if sum(_size(stream) for _, stream in plain) > MAX_UPLOAD_BYTES:
        raise UploadRefused("An upload may be at most 20 MB in all, or one Strava export.")
    batch_id = uuid.uuid4()
    _accept_files(walker, batch_id, [(name, stream.read()) for name, stream in plain])
    for name, archive in exports:
        try:
            with archive:
                strava_exports.accept_export(walker.id, batch_id, archive)
        except zip_uploads.ZipRefused as refused:
            raise UploadRefused(f"{name}: {refused}") from refused
    db.session.flush()
    for import_id in queued_ids(batch_id):
        after_commit(enqueue, import_id)
    return batch_id


def _sorted_uploads(
    files: list[tuple[str, bytes | BinaryIO]],
) -> tuple[list[tuple[str, BinaryIO]], list[tuple[str, zipfile.ZipFile]]]:
    """(plain files, Strava exports): each export as its opened zip, the rest as streams."""
    plain: list[tuple[str, BinaryIO]] = []
    exports: list[tuple[str, zipfile.ZipFile]] = []
    for filename, data in files:
        stream = io.BytesIO(data) if isinstance(data, bytes) else data
        archive = strava_exports.opened_export(filename, stream)
        if archive is None:
            plain.append((filename, stream))
        elif _size(stream) > MAX_EXPORT_BYTES:
            raise UploadRefused(f"A Strava export may be at most {MAX_EXPORT_BYTES // 2**20} MB.")
        else:
            exports.append((zip_uploads.safe_name(filename), archive))
    return plain, exports


def _size(stream: BinaryIO) -> int:
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size


def _accept_files(walker: User, batch_id: uuid.UUID, files: list[tuple[str, bytes]]) -> None:
    rows = []
    for filename, data in files:
        name = zip_uploads.safe_name(filename)
        if not name.lower().endswith(".zip"):
            rows.append(_job(walker, batch_id, name, data))
            continue
        try:
            members = zip_uploads.members(data)
        except zip_uploads.ZipRefused as refused:
            rows.append(_refused(walker, batch_id, name, str(refused)))
            continue
        for member in members:
            member_name = zip_uploads.safe_name(member.name)
            rows.append(
                _job(walker, batch_id, member_name, member.data)
                if member.data is not None and not member.problem
                else _refused(walker, batch_id, member_name, member.problem or "it is empty")
            )
    if len(rows) > MAX_FILES:
        raise UploadRefused(f"An upload may hold at most {MAX_FILES} files.")
    db.session.add_all(rows)


def _job(walker: User, batch_id: uuid.UUID, name: str, data: bytes) -> GpsImport:
    if not name.lower().endswith(gps_files.EXTENSIONS):
        return _refused(walker, batch_id, name, "Only .gpx, .tcx, .fit and .zip files: skipped.")
    return GpsImport(user_id=walker.id, batch_id=batch_id, filename=name, content=data)


def _refused(walker: User, batch_id: uuid.UUID, name: str, message: str) -> GpsImport:
    return GpsImport(
        user_id=walker.id,
        batch_id=batch_id,
        filename=name,
        status="refused",
        message=message,
        finished_at=utcnow(),
    )


def batch(walker: User, batch_id: uuid.UUID) -> list[GpsImport]:
    return list(
        db.session.scalars(
            select(GpsImport)
            .where(GpsImport.user_id == walker.id, GpsImport.batch_id == batch_id)
            .order_by(GpsImport.id)
        )
    )


def queued_ids(batch_id: uuid.UUID) -> list[int]:
    return list(
        db.session.scalars(
            select(GpsImport.id).where(
                GpsImport.batch_id == batch_id, GpsImport.status == ImportStatus.QUEUED
            )
        )
    )


def enqueue(import_id: int) -> None:
    task_queue.send(IMPORT_TASK, import_id, "imports")


def stuck_import_ids(older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Queued jobs of batches that have stalled: none of their jobs finished for a while.

    A Strava export's thousands of jobs take longer than `older_than` to work through; while
    its jobs keep finishing, its queue is moving and nothing is sent twice.
    """
    cutoff = utcnow() - older_than
    finished = aliased(GpsImport)
    moving = exists().where(finished.batch_id == GpsImport.batch_id, finished.finished_at > cutoff)
    return list(
        db.session.scalars(
            select(GpsImport.id).where(
                GpsImport.status == ImportStatus.QUEUED, GpsImport.created_at < cutoff, ~moving
            )
        )
    )


def run_import(import_id: int) -> GpsImport | None:
    """Import one queued file (a no-op for a job already done or being done). Flushes."""
    job = db.session.execute(
        select(GpsImport).where(GpsImport.id == import_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if job is None or job.status != ImportStatus.QUEUED:
        return job
    try:
        data = zip_uploads.gunzipped(job.content or b"")
    except FileRefused as refused:
        _finish(job, ImportStatus.REFUSED, str(refused))
        return job
    job.content_hash = hashlib.sha256(data).hexdigest()
    walker = db.session.get_one(User, job.user_id)
    try:
        outcomes = _import_file(walker, job, data)
    except FileRefused as refused:
        _finish(job, ImportStatus.REFUSED, str(refused))
        return job
    job.imported_count = sum(o.kind in (OutcomeKind.IMPORTED, OutcomeKind.HELD) for o in outcomes)
    _finish(job, _status(outcomes), report(outcomes, walker))
    return job


def fail(import_id: int, message: str) -> None:
    job = db.session.get(GpsImport, import_id)
    if job is not None and job.status == ImportStatus.QUEUED:
        _finish(job, ImportStatus.FAILED, message)


def _finish(job: GpsImport, status: ImportStatus, message: str) -> None:
    job.status, job.message = status, message
    job.content, job.finished_at = None, utcnow()  # the file is not kept once read
    db.session.flush()


@dataclass(frozen=True)
class Outcome:
    """What became of one track, activity or session of a file."""

    kind: OutcomeKind
    label: str = ""
    started_at: datetime | None = None
    reason: str = ""  # why it was held or skipped


def _import_file(walker: User, job: GpsImport, data: bytes) -> list[Outcome]:
    """Each activity of the file in its own savepoint: one that fails leaves the others in."""
    outcomes, n = [], 0
    for found in gps_files.read_file(job.filename, data):
        if isinstance(found, gps_files.SkippedTrack):
            outcomes.append(
                Outcome(OutcomeKind.SKIPPED, found.label, found.started_at, found.reason)
            )
            continue
        try:
            with db.session.begin_nested():
                outcomes.append(_import_recording(walker, job, n, found))
        except (FileRefused, activities.ActivityInvalid) as refused:
            outcomes.append(
                Outcome(OutcomeKind.SKIPPED, found.label, found.started_at, str(refused))
            )
        n += 1  # numbered as before tracks could be skipped, so old imports stay duplicates
    return outcomes


def _import_recording(walker: User, job: GpsImport, n: int, rec: Recording) -> Outcome:
    """The outcome of one activity of a file. Raises FileRefused or ActivityInvalid."""
    if rec.client_id and _has_client_id(walker, rec.client_id):
        return Outcome(OutcomeKind.DUPLICATE, rec.label, rec.started_at)
    if rec.started_at is None:
        return Outcome(OutcomeKind.SKIPPED, rec.label, None, "an exported entry without a track")
    track_ewkt = _ewkt(rec.spans) if rec.spans else None
    distance_m = _length_m(track_ewkt) if track_ewkt else Decimal(str(rec.file_distance_m))
    if not 0 < distance_m <= MAX_DISTANCE_M:
        raise FileRefused(f"an activity of {distance_m / 1000:.2f} km cannot be imported")
    if same_activity(walker.id, rec.started_at, rec.duration_s, distance_m):
        return Outcome(OutcomeKind.DUPLICATE, rec.label, rec.started_at)
    data = activities.ActivityInput(
        distance_m=distance_m,
        activity_date=walker.local_date(rec.started_at),
        kind=job.kind or rec.kind,  # a Strava export's type, as the walker set it there
        duration_s=rec.duration_s,
        note=(job.title or f"Imported from {job.filename}")[: activities.NOTE_MAX],
    )
    recorded = plausibility.Recorded(
        rec.started_at, job.content_hash or "", track_ewkt, tuple(p.time for p in rec.points)
    )
    client_id = rec.client_id or uuid.uuid5(CLIENT_ID_NAMESPACE, f"{job.content_hash}:{n}")
    activity, created = activities.log_activity(
        walker, client_id, data, activities.today_for(walker), recorded
    )
    if not created:
        return Outcome(OutcomeKind.DUPLICATE, rec.label, rec.started_at)
    if rec.file_distance_m is not None:
        activity.device_distance_m = Decimal(str(rec.file_distance_m)).quantize(
            activities.MILLIMETRE
        )
    if activity.review_status == ReviewStatus.HELD:
        return Outcome(OutcomeKind.HELD, rec.label, rec.started_at, activity.review_reason)
    return Outcome(OutcomeKind.IMPORTED, rec.label, rec.started_at)


def _has_client_id(walker: User, client_id: uuid.UUID) -> bool:
    return db.session.execute(
        select(exists().where(Activity.user_id == walker.id, Activity.client_id == client_id))
    ).scalar_one()


def same_activity(user_id: int, started_at, duration_s: int | None, distance_m: Decimal) -> bool:
    """True when the walker has an activity at an overlapping time with a close distance."""
    tolerance_m = max(Decimal(SAME_DISTANCE_M), distance_m * SAME_DISTANCE_SHARE)
    return any(
        abs(other.distance_m - distance_m) <= tolerance_m
        for other in plausibility.overlapping(user_id, started_at, duration_s)
    )


def _status(outcomes: list[Outcome]) -> ImportStatus:
    kinds = {o.kind for o in outcomes}
    if kinds & {OutcomeKind.IMPORTED, OutcomeKind.HELD}:
        return ImportStatus.IMPORTED
    return ImportStatus.DUPLICATE if OutcomeKind.DUPLICATE in kinds else ImportStatus.REFUSED


def report(outcomes: list[Outcome], walker: User) -> str:
    """The file's summary line, then one line per track skipped or held, for the walker."""
    lines = [summary(outcomes)]
    for o in outcomes:
        if o.kind in (OutcomeKind.SKIPPED, OutcomeKind.HELD):
            what = "waiting for a captain's review" if o.kind == OutcomeKind.HELD else "skipped"
            lines.append(f"{_named(o, walker)}: {what}: {_lowercase_first(o.reason)}")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> str:
    """What happened to a file's activities, in a sentence for the walker."""
    imported, held, duplicate, skipped = (sum(o.kind == k for o in outcomes) for k in OutcomeKind)
    parts = []
    if imported:
        parts.append(f"{_activities(imported)} imported")
    if held:
        parts.append(f"{_activities(held)} waiting for a captain's review")
    if duplicate:
        them = "it" if duplicate == 1 else "them"
        parts.append(f"{_activities(duplicate)} skipped: you already have {them}")
    if skipped:
        parts.append(f"{skipped} {'track' if skipped == 1 else 'tracks'} not imported")
    return "; ".join(parts) + "."


def _named(outcome: Outcome, walker: User) -> str:
    """ "Track 2 “Lake” of 3 Oct 2010": the track and, when known, the walker's date of it."""
    if outcome.started_at is None:
        return outcome.label
    day = walker.local_date(outcome.started_at)
    return f"{outcome.label} of {day.day} {day:%b %Y}"


def _lowercase_first(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] + "."


def _activities(count: int) -> str:
    return f"{count} {'activity' if count == 1 else 'activities'}"


def _ewkt(spans) -> str:
    """One MULTILINESTRING part per recorded span: pauses between spans are not measured."""
    parts = ("(" + ",".join(f"{p.lon!r} {p.lat!r}" for p in span) + ")" for span in spans)
    return "SRID=4326;MULTILINESTRING(" + ",".join(parts) + ")"


def _length_m(track_ewkt: str) -> Decimal:
    length_m = db.session.scalar(_LENGTH_M, {"track": track_ewkt})
    return Decimal(str(length_m)).quantize(activities.MILLIMETRE)
