"""The real device files in tests/data/gps, and what they recorded, read without Mile Quest's code.

`recorded_activities` reads each file with its format's library (gpxpy, ElementTree, fitdecode)
and measures every recorded span with pyproj's geodesic: an independent reference for imports.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import fitdecode
import gpxpy
from pyproj import Geod

DATA = Path(__file__).parent / "data" / "gps"
SAMPLES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".gpx", ".tcx", ".fit"))
TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
SEMICIRCLE_DEG = 180 / 2**31
GEOD = Geod(ellps="WGS84")


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def spans_length_m(spans) -> float:
    """The geodesic length of each span of (lon, lat) points, summed: pauses between are 0."""
    return sum(GEOD.line_length(*zip(*span, strict=True)) for span in spans if len(span) >= 2)


def joined_length_m(spans) -> float:
    """The length with every pause bridged by a straight line (what imports used to credit)."""
    return spans_length_m([[p for span in spans for p in span]])


def recorded_activities(name: str) -> list[tuple[datetime, list]]:
    """(start, spans) of each dated activity with a track, spans as lists of (lon, lat)."""
    reader = {"gpx": _gpx, "tcx": _tcx, "fit": _fit}[name.rsplit(".", 1)[-1]]
    return [(start, spans) for start, spans in reader(sample(name)) if start and spans]


def _gpx(data: bytes):
    for track in gpxpy.parse(data.decode()).tracks:
        times = [p.time for s in track.segments for p in s.points if p.time]
        spans = [[(p.longitude, p.latitude) for p in s.points] for s in track.segments]
        yield (min(times).astimezone(UTC) if times else None), [s for s in spans if len(s) > 1]


def _tcx(data: bytes):
    for activity in ElementTree.fromstring(data).iter(f"{TCX}Activity"):
        times = [_iso(t.text) for t in activity.iter(f"{TCX}Time")]
        spans = [
            [
                (
                    float(p.find(f"{TCX}LongitudeDegrees").text),
                    float(p.find(f"{TCX}LatitudeDegrees").text),
                )
                for p in track.iter(f"{TCX}Position")
            ]
            for track in activity.iter(f"{TCX}Track")
        ]
        yield min(times), [s for s in spans if len(s) > 1]


def _fit(data: bytes):
    """Records split into spans at every timer event, then into sessions by their time window."""
    records, sessions, span = [], [], 0
    with fitdecode.FitReader(data) as fit:
        for frame in fit:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            if frame.name == "event" and frame.get_value("event", fallback=None) == "timer":
                span += 1
            elif frame.name == "session":
                sessions.append(frame)
            elif frame.name == "record" and frame.get_value("position_lat", fallback=None):
                position = (
                    frame.get_value("position_long") * SEMICIRCLE_DEG,
                    frame.get_value("position_lat") * SEMICIRCLE_DEG,
                )
                records.append((span, frame.get_value("timestamp"), position))
    for session in sessions:
        if session.get_value("sport") == "transition":
            continue
        start = session.get_value("start_time")
        end = start + timedelta(seconds=session.get_value("total_elapsed_time"))
        inside = [r for r in records if len(sessions) == 1 or start <= r[1] <= end]
        spans = {}
        for n, _, position in inside:
            spans.setdefault(n, []).append(position)
        yield min(r[1] for r in inside), [s for s in spans.values() if len(s) > 1]


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
