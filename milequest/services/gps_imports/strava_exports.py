"""Read a Strava bulk export ("Download your data"): activities.csv and an activities/ folder
of GPX, TCX and FIT files, many of them gzipped (`.fit.gz`).

The zip stays on disk and is read one member at a time, so memory holds one file whatever the
export's size (hundreds of MB with photos). Only activities.csv and activities/ are read:
media/, routes/ and the other CSVs are never unpacked. activities.csv gives each file the
name and type the walker gave it on Strava; a file it does not list keeps its own sport.
"""

import csv
import io
import posixpath
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import insert

from milequest.extensions import db
from milequest.lib import zip_uploads
from milequest.lib.gps_files import EXTENSIONS
from milequest.models import GpsImport
from milequest.models.base import utcnow
from milequest.models.gps_import import ImportStatus

INDEX = "activities.csv"
FOLDER = "activities/"
MAX_ACTIVITY_FILES = 5000
MAX_STORED_BYTES = 1024 * 1024 * 1024  # the activity files as stored (gzipped ones stay so)
MAX_INDEX_BYTES = 20 * 1024 * 1024
TITLE_MAX = 200
CHUNK_FILES = 50  # job rows inserted at a time: memory holds a few files, never the export
CHUNK_BYTES = 16 * 1024 * 1024
COLUMNS = ("Activity Name", "Activity Type", "Filename")
# Strava's activity types (activities.csv "Activity Type", spaces dropped) as our kinds.
# Rides, swims, skiing and the rest become "other": the walker's own history, not a walk.
STRAVA_KINDS = {
    "walk": "walk",
    "run": "run",
    "trailrun": "run",
    "virtualrun": "run",
    "hike": "hike",
    "snowshoe": "hike",
    "wheelchair": "wheelchair",
    "ride": "cycle",
    "virtualride": "cycle",
    "e-bikeride": "cycle",
    "ebikeride": "cycle",
    "mountainbikeride": "cycle",
    "gravelride": "cycle",
    "velomobile": "cycle",
    "handcycle": "cycle",
    "swim": "swim",
    "rowing": "row",
    "virtualrow": "row",
}


@dataclass(frozen=True)
class Listed:
    """What activities.csv says about one activity file."""

    title: str
    kind: str


@dataclass(frozen=True)
class ExportFile:
    name: str  # the file's own name without ".gz": its extension says how it is read
    data: bytes | None = None  # as stored in the zip: gzipped files stay gzipped
    title: str = ""
    kind: str | None = None
    problem: str | None = None  # set when this file is skipped


def opened_export(filename: str, stream: BinaryIO) -> zipfile.ZipFile | None:
    """The upload opened as a Strava export, or None (the stream rewound) when it is not one."""
    if not (filename or "").lower().endswith(".zip"):
        return None
    try:
        archive = zip_uploads.opened(stream)
    except zip_uploads.ZipRefused:
        stream.seek(0)
        return None  # read as a plain zip: its job says it is damaged
    if root(archive) is None:
        archive.close()
        stream.seek(0)
        return None
    return archive


def accept_export(user_id: int, batch_id: uuid.UUID, archive: zipfile.ZipFile) -> None:
    """One import job per activity file, inserted a chunk at a time. Raises ZipRefused."""
    chunk, size, count = [], 0, 0
    for found in activity_files(archive, root(archive) or ""):
        count += 1
        chunk.append(_job(user_id, batch_id, found))
        size += len(found.data or b"")
        if len(chunk) >= CHUNK_FILES or size >= CHUNK_BYTES:
            db.session.execute(insert(GpsImport), chunk)
            chunk, size = [], 0
    if chunk:
        db.session.execute(insert(GpsImport), chunk)
    if not count:
        raise zip_uploads.ZipRefused("This Strava export has no activities to import.")


def _job(user_id: int, batch_id: uuid.UUID, found: ExportFile) -> dict:
    job = {
        "user_id": user_id,
        "batch_id": batch_id,
        "filename": zip_uploads.safe_name(found.name),
        "title": found.title,
        "kind": found.kind,
        "content": found.data,
        "status": ImportStatus.QUEUED,
        "message": "",
        "finished_at": None,
    }
    if found.problem:
        job.update(content=None, status="refused", message=found.problem, finished_at=utcnow())
    return job


def root(archive: zipfile.ZipFile) -> str | None:
    """The export's folder inside the zip ("" at the top), or None if this is no Strava export."""
    for name in archive.namelist():
        folder, base = posixpath.split(name)
        if base == INDEX and folder.count("/") == 0:
            return f"{folder}/" if folder else ""
    return None


def activity_files(archive: zipfile.ZipFile, top: str) -> Iterator[ExportFile]:
    """Each GPS file in the export's activities/ folder, read one at a time, bounded.

    Raises ZipRefused when the export is past its limits as a whole.
    """
    entries = [i for i in archive.infolist() if _is_activity_file(i, top)]
    if len(entries) > MAX_ACTIVITY_FILES:
        raise zip_uploads.ZipRefused(
            f"This export holds {len(entries):,} activity files: at most "
            f"{MAX_ACTIVITY_FILES:,} can be imported at once."
        )
    listed, without_file = _index(archive, top)
    stored = 0
    for info in entries:
        zip_uploads.check_name(info.filename)
        path = info.filename[len(top) :]
        about = listed.get(path.lower(), Listed("", ""))
        name = posixpath.basename(path).removesuffix(".gz").removesuffix(".GZ")
        try:
            data = zip_uploads.read_bounded(archive, info, MAX_STORED_BYTES - stored)
        except zip_uploads.MemberRefused as refused:
            if stored + zip_uploads.MAX_MEMBER_BYTES > MAX_STORED_BYTES:
                raise zip_uploads.ZipRefused("This export unpacks to too much data.") from refused
            yield ExportFile(name, title=about.title, problem=f"{refused} Skipped.")
            continue
        stored += len(data)
        yield ExportFile(name, data, about.title, about.kind or None)
    if without_file:
        yield ExportFile(INDEX, problem=_without_file_note(without_file))


def _without_file_note(strava_types: list[str]) -> str:
    count = len(strava_types)
    types = ", ".join(sorted(set(strava_types))[:5])
    return (
        f"{count:,} {'activity' if count == 1 else 'activities'} listed here ({types}) "
        "had no GPS file, so there is no track to import."
    )


def kind_of(strava_type: str) -> str:
    return STRAVA_KINDS.get(strava_type.replace(" ", "").lower(), "other")


def _is_activity_file(info: zipfile.ZipInfo, top: str) -> bool:
    name = info.filename.lower()
    return (
        not info.is_dir()
        and name.startswith(f"{top.lower()}{FOLDER}")
        and name.removesuffix(".gz").endswith(EXTENSIONS)
    )


def _index(archive: zipfile.ZipFile, top: str) -> tuple[dict[str, Listed], list[str]]:
    """activities.csv as {"activities/123.fit.gz": Listed}, and the Strava types of the
    activities without a file (a gym session); nothing when it cannot be read."""
    try:
        data = zip_uploads.read_bounded(archive, archive.getinfo(top + INDEX), MAX_INDEX_BYTES)
    except (zip_uploads.MemberRefused, KeyError):
        return {}, []
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    header = next(rows, [])
    # Strava repeats some column names (Distance, Elapsed Time): look each one up by its first.
    columns = {name: header.index(name) for name in COLUMNS if name in header}
    if len(columns) < len(COLUMNS):  # an account in another language names them otherwise
        return {}, []
    listed, without_file = {}, []
    for row in rows:
        if len(row) <= max(columns.values()):
            continue
        strava_type = row[columns["Activity Type"]].strip()
        if not row[columns["Filename"]].strip():
            without_file.append(strava_type[:40])
            continue
        listed[row[columns["Filename"]].strip().lower()] = Listed(
            row[columns["Activity Name"]].strip()[:TITLE_MAX], kind_of(strava_type)
        )
    return listed, without_file
