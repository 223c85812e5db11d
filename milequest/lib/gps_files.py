"""Read GPX, TCX and FIT files into recorded activities, each with its recorded spans.

A span is a stretch the device recorded without a break: a GPX track segment, a TCX <Track>,
the FIT records between a timer start and stop. Pauses and signal gaps lie between spans and
are no distance. One file may hold several activities (GPX tracks, TCX <Activity> elements, FIT
sessions); one that cannot be imported is a SkippedTrack with its reason, and the rest still
import. Only a file that cannot be read at all raises FileRefused.

XML is first read by defusedxml (no DTDs, no entities), so a hostile file cannot make the
format libraries expand entities or fetch anything. TCX is read from that same tree:
tcxreader merges every activity's points into one, and drops where a <Track> ends.
"""

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import fitdecode
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_xml

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
    # GPX <type> (Strava, Garmin), TCX Sport="Biking" and FIT sports
    "cycling": "cycle",
    "biking": "cycle",
    "ride": "cycle",
    "e_biking": "cycle",
    "swimming": "swim",
    "swim": "swim",
    "open_water_swimming": "swim",
    "rowing": "row",
    "indoor_rowing": "row",
}
FIT_TIMER_EVENTS = ("start", "stop", "stop_all", "stop_disable", "stop_disable_all")
NO_TIMES = "it has no times, so we cannot tell its date: log it by hand"


class FileRefused(Refused, ValueError):
    """The file cannot be imported; the message is for the walker."""


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    time: datetime | None


Span = tuple[Point, ...]


@dataclass(frozen=True)
class Recording:
    """One activity read from a file: its recorded spans (maybe none, indoors) and what the
    file says about it."""

    spans: tuple[Span, ...]  # each with at least 2 points; pauses lie between them
    started_at: datetime | None  # None only for an exported entry without a track
    duration_s: int | None
    kind: str
    file_distance_m: float | None = None  # the device's own total (FIT session, TCX laps)
    client_id: uuid.UUID | None = None  # set in Mile Quest's own GPX export
    label: str = ""  # how the walker finds it in the file: "Track 2 “Lake”", "Activity 1"

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(p for span in self.spans for p in span)


@dataclass(frozen=True)
class SkippedTrack:
    """A track, activity or session of a file that cannot be imported, and why."""

    label: str
    reason: str
    started_at: datetime | None = None


def read_file(filename: str, data: bytes) -> list[Recording | SkippedTrack]:
    """The activities in one file, in file order, by its extension. Raises FileRefused."""
    suffix = filename.lower().rsplit(".", 1)[-1]
    readers = {"gpx": _read_gpx, "tcx": _read_tcx, "fit": _read_fit}
    if f".{suffix}" not in EXTENSIONS:
        raise FileRefused("Only .gpx, .tcx and .fit files can be imported.")
    if not data:
        raise FileRefused("The file is empty.")
    return readers[suffix](data)


def _check_xml(data: bytes) -> Element:
    try:
        return safe_xml(data)
    except ParseError as error:
        raise FileRefused(f"The file is not complete XML ({error}).") from error
    except DefusedXmlException as error:
        raise FileRefused("The file uses XML entities or a DTD, which we do not read.") from error


def _read_gpx(data: bytes) -> list[Recording | SkippedTrack]:
    _check_xml(data)
    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    except gpxpy.gpx.GPXException as error:
        raise FileRefused(f"This is not a GPX file we can read ({error}).") from error
    if not gpx.tracks:
        raise FileRefused("This GPX has no track of at least 2 points.")
    found = []
    for n, track in enumerate(gpx.tracks, 1):
        name = (track.name or "").strip()
        label = f"Track {n} “{name}”" if name else f"Track {n}"
        segments = [
            tuple(Point(p.longitude, p.latitude, _utc(p.time)) for p in segment.points)
            for segment in track.segments
        ]
        client_id = _client_id(track.extensions)
        found.append(_recording(label, segments, track.type, client_id=client_id))
    return found


def _read_tcx(data: bytes) -> list[Recording | SkippedTrack]:
    root = _check_xml(data)
    activities = [e for e in root.iter() if _tag(e) == "Activity"]
    if not activities:
        raise FileRefused("This TCX has no activity (a course or workout cannot be imported).")
    return [_tcx_activity(f"Activity {n}", a) for n, a in enumerate(activities, 1)]


def _tcx_activity(label: str, activity: Element) -> Recording | SkippedTrack:
    spans, times, device_m = [], [], 0.0
    for lap in _children(activity, "Lap"):
        device_m += _float(_child_text(lap, "DistanceMeters")) or 0.0
        times.append(_time(lap.get("StartTime")))
        for track in _children(lap, "Track"):
            span = []
            for trackpoint in _children(track, "Trackpoint"):
                time = _time(_child_text(trackpoint, "Time"))
                times.append(time)
                position = next(_children(trackpoint, "Position"), None)
                lat = _float(_child_text(position, "LatitudeDegrees"))
                lon = _float(_child_text(position, "LongitudeDegrees"))
                if lat is not None and lon is not None:
                    span.append(Point(lon, lat, time))
            spans.append(tuple(span))
    sport = activity.get("Sport")
    if sum(len(span) for span in spans) >= 2:
        return _recording(label, spans, sport, device_m=device_m or None)
    return _indoor(label, [t for t in times if t is not None], sport, device_m)


def _read_fit(data: bytes) -> list[Recording | SkippedTrack]:
    records, sessions, span = [], [], 0
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as fit:
            for frame in fit:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "record" and isinstance(values.get("timestamp"), datetime):
                    records.append((span, _as_utc(values["timestamp"]), _fit_point(values)))
                elif frame.name == "event" and values.get("event") == "timer":
                    span += values.get("event_type") in FIT_TIMER_EVENTS  # a pause ends a span
                elif frame.name == "session":
                    sessions.append(values)
    except fitdecode.FitCRCError as error:
        raise FileRefused("This FIT file is damaged (its checksum does not match).") from error
    except (fitdecode.FitError, EOFError, ValueError) as error:
        raise FileRefused(f"This is not a FIT file we can read ({error}).") from error
    if not records:
        raise FileRefused("This FIT file has no recorded activity.")
    if len(sessions) <= 1:
        return [_fit_session("Session 1", records, (sessions or [{}])[0])]
    found = []
    for n, (session, start, end) in enumerate(_session_windows(sessions), 1):
        inside = [r for r in records if start <= r[1] < end]
        label = f"Session {n} ({session.get('sport') or 'activity'})"
        found.append(_fit_session(label, inside, session))
    return found


def _session_windows(sessions: list[dict]) -> Iterator[tuple[dict, datetime, datetime]]:
    """Each session with the time from its start to the next one's (to the end for the last)."""
    starts = [
        _as_utc(s["start_time"]) if isinstance(s.get("start_time"), datetime) else None
        for s in sessions
    ]
    far = datetime.max.replace(tzinfo=UTC)
    for n, session in enumerate(sessions):
        following = [t for t in starts[n + 1 :] if t is not None]
        yield session, starts[n] or far, min(following, default=far)


def _fit_point(values: dict) -> Point | None:
    lat, lon = values.get("position_lat"), values.get("position_long")
    if lat is None or lon is None:
        return None
    return Point(lon * SEMICIRCLE_DEG, lat * SEMICIRCLE_DEG, _utc(values["timestamp"]))


def _fit_session(label: str, records: list, session: dict) -> Recording | SkippedTrack:
    """One session of its records: (span number, time, Point or None) each."""
    if str(session.get("sport") or "") == "transition":
        started_at = records[0][1] if records else None
        return SkippedTrack(label, "a transition between sports is not an activity", started_at)
    spans: dict[int, list[Point]] = {}
    for span, _, point in records:
        if point is not None:
            spans.setdefault(span, []).append(point)
    sport = str(session.get("sport") or "")
    device_m = session.get("total_distance")
    device_m = float(device_m) if device_m else None
    if sum(len(s) for s in spans.values()) >= 2:
        return _recording(label, [tuple(s) for s in spans.values()], sport, device_m=device_m)
    return _indoor(label, [time for _, time, _ in records], sport, device_m or 0.0)


def _recording(
    label: str, spans: list[Span], sport, *, client_id=None, device_m: float | None = None
) -> Recording | SkippedTrack:
    points = [p for span in spans for p in span]
    times = [p.time for p in points if p.time is not None]
    started_at = min(times) if times else None
    if any(not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180) for p in points):
        return SkippedTrack(label, "it has points outside the Earth's coordinates", started_at)
    measured = tuple(span for span in spans if len(span) >= 2)
    if not measured and client_id is None:
        return SkippedTrack(label, "it has no stretch of at least 2 points", started_at)
    if not times and client_id is not None:
        return Recording(measured, None, None, kind_of(sport), client_id=client_id, label=label)
    if not times:
        return SkippedTrack(label, NO_TIMES)
    duration_s = int((max(times) - min(times)).total_seconds())
    return Recording(
        measured,
        started_at,
        duration_s or None,
        kind_of(sport),
        file_distance_m=device_m,
        client_id=client_id,
        label=label,
    )


def _indoor(label: str, times: list, sport, distance_m: float) -> Recording | SkippedTrack:
    times = [t for t in times if t is not None]
    if not times or not distance_m:
        started_at = min(times) if times else None
        return SkippedTrack(label, "it has neither a GPS track nor a distance", started_at)
    duration_s = int((max(times) - min(times)).total_seconds())
    return Recording((), min(times), duration_s or None, kind_of(sport), distance_m, label=label)


def kind_of(sport) -> str:
    return SPORT_KINDS.get(str(sport or "").strip().lower(), "walk" if not sport else "other")


def _utc(time: datetime | None) -> datetime | None:
    return None if time is None else _as_utc(time)


def _as_utc(time: datetime) -> datetime:
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


def _client_id(extensions) -> uuid.UUID | None:
    for element in extensions or ():
        if element.tag == MQ_CLIENT_ID:
            try:
                return uuid.UUID((element.text or "").strip())
            except ValueError:
                return None
    return None


def _tag(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element | None, tag: str) -> Iterator[Element]:
    return (child for child in (element if element is not None else ()) if _tag(child) == tag)


def _child_text(element: Element | None, tag: str) -> str | None:
    child = next(_children(element, tag), None)
    return (child.text or "").strip() if child is not None else None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _time(text: str | None) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None
