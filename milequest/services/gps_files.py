"""Read GPX, TCX and FIT files into recorded activities, with the libraries made for them.

XML is first read by defusedxml (no DTDs, no entities), so a hostile file cannot make the
format libraries expand entities or fetch anything. Every problem is a FileRefused whose
message tells the walker what is wrong with that file.
"""

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import fitdecode
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_xml
from tcxreader.tcxreader import TCXReader

from milequest.refusals import Refused

EXTENSIONS = (".gpx", ".tcx", ".fit")
# Our GPX export tags each track with the activity's client id, so it re-imports as itself.
MQ_NAMESPACE = "https://milequest.localhost/gpx/1"
MQ_CLIENT_ID = f"{{{MQ_NAMESPACE}}}client_id"
SEMICIRCLE_DEG = 180 / 2**31
SPORT_KINDS = {
    "walking": "walk",
    "walk": "walk",
    "running": "run",
    "run": "run",
    "hiking": "hike",
    "hike": "hike",
    "wheelchair": "wheelchair",
    "wheelchair_push_walk": "wheelchair",
    "wheelchair_push_run": "wheelchair",
}


class FileRefused(Refused, ValueError):
    """The file cannot be imported; the message is for the walker."""


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    time: datetime | None


@dataclass(frozen=True)
class Recording:
    """One activity read from a file: its points (maybe none, indoors) and what the file says."""

    points: tuple[Point, ...]
    started_at: datetime | None  # None only for an exported entry without a track
    duration_s: int | None
    kind: str
    file_distance_m: float | None = None  # the file's own figure, for files without GPS
    client_id: uuid.UUID | None = None  # set in Mile Quest's own GPX export


def read_file(filename: str, data: bytes) -> list[Recording]:
    """The activities in one file, by its extension. Raises FileRefused."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    readers = {"gpx": _read_gpx, "tcx": _read_tcx, "fit": _read_fit}
    if f".{suffix}" not in EXTENSIONS:
        raise FileRefused("Only .gpx, .tcx and .fit files can be imported.")
    if not data:
        raise FileRefused("The file is empty.")
    return readers[suffix](data)


def _check_xml(data: bytes) -> None:
    try:
        safe_xml(data)
    except ParseError as error:
        raise FileRefused(f"The file is not complete XML ({error}).") from error
    except DefusedXmlException as error:
        raise FileRefused("The file uses XML entities or a DTD, which we do not read.") from error


def _read_gpx(data: bytes) -> list[Recording]:
    _check_xml(data)
    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    except gpxpy.gpx.GPXException as error:
        raise FileRefused(f"This is not a GPX file we can read ({error}).") from error
    recordings = []
    for track in gpx.tracks:
        points = tuple(
            Point(p.longitude, p.latitude, _utc(p.time))
            for segment in track.segments
            for p in segment.points
        )
        client_id = _client_id(track.extensions)
        if len(points) < 2 and client_id is None:
            continue
        recordings.append(_recording(points, track.type, client_id=client_id))
    if not recordings:
        raise FileRefused("This GPX has no track of at least 2 points.")
    return recordings


def _read_tcx(data: bytes) -> list[Recording]:
    _check_xml(data)
    try:
        exercise = TCXReader().read(io.BytesIO(data), only_gps=False)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise FileRefused("This is not a TCX activity we can read.") from error
    points, times = [], []
    for tp in exercise.trackpoints:
        time = _utc(tp.time)
        times.append(time)
        if tp.latitude is not None and tp.longitude is not None:
            points.append(Point(tp.longitude, tp.latitude, time))
    times = [t for t in times if t is not None]
    if len(points) >= 2:
        return [_recording(tuple(points), exercise.activity_type)]
    if not times or not exercise.distance:
        raise FileRefused("This TCX has neither a GPS track nor a distance.")
    return [_indoor(times, exercise.activity_type, exercise.distance)]


def _read_fit(data: bytes) -> list[Recording]:
    points, times, session = [], [], {}
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as fit:
            for frame in fit:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "record" and isinstance(values.get("timestamp"), datetime):
                    times.append(_utc(values["timestamp"]))
                    lat, lon = values.get("position_lat"), values.get("position_long")
                    if lat is not None and lon is not None:
                        points.append(Point(lon * SEMICIRCLE_DEG, lat * SEMICIRCLE_DEG, times[-1]))
                elif frame.name == "session":
                    session = values
    except fitdecode.FitCRCError as error:
        raise FileRefused("This FIT file is damaged (its checksum does not match).") from error
    except (fitdecode.FitError, EOFError, ValueError) as error:
        raise FileRefused(f"This is not a FIT file we can read ({error}).") from error
    sport = str(session.get("sport") or "")
    if len(points) >= 2:
        return [_recording(tuple(points), sport)]
    distance_m = session.get("total_distance")
    if not times or not distance_m:
        raise FileRefused("This FIT file has neither a GPS track nor a distance.")
    return [_indoor(times, sport, float(distance_m))]


def _recording(points: tuple[Point, ...], sport, client_id=None) -> Recording:
    if any(not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180) for p in points):
        raise FileRefused("This track has points outside the Earth's coordinates.")
    times = [p.time for p in points if p.time is not None]
    if not times and client_id is not None:
        return Recording(points, None, None, kind_of(sport), client_id=client_id)
    if not times:
        raise FileRefused("This track has no times, so we cannot tell its date: log it by hand.")
    duration_s = int((max(times) - min(times)).total_seconds())
    return Recording(points, min(times), duration_s or None, kind_of(sport), client_id=client_id)


def _indoor(times: list[datetime], sport, distance_m: float) -> Recording:
    duration_s = int((max(times) - min(times)).total_seconds())
    return Recording((), min(times), duration_s or None, kind_of(sport), float(distance_m))


def kind_of(sport) -> str:
    return SPORT_KINDS.get(str(sport or "").strip().lower(), "walk" if not sport else "other")


def _utc(time: datetime | None) -> datetime | None:
    if time is None:
        return None
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


def _client_id(extensions) -> uuid.UUID | None:
    for element in extensions or ():
        if element.tag == MQ_CLIENT_ID:
            try:
                return uuid.UUID((element.text or "").strip())
            except ValueError:
                return None
    return None
