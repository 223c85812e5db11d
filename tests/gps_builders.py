"""GPS files the tests build: GPX and TCX as XML, FIT with a FIT writer (fit-tool)."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport
from pyproj import Geod

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# About 3 km due north then east, near Edinburgh, one point every 3 minutes (5.6 km/h).
WALK = [(-3.2, 55.95 + i * 0.0025) for i in range(8)] + [
    (-3.2 + i * 0.004, 55.9675) for i in range(1, 8)
]
FIT_SPORTS = {"walking": Sport.WALKING, "running": Sport.RUNNING, "cycling": Sport.CYCLING}


def geodesic_length_m(points) -> float:
    """The WGS84 length of (lon, lat) points, by pyproj: independent of PostGIS."""
    lons, lats = zip(*points, strict=True)
    return Geod(ellps="WGS84").line_length(lons, lats)


def times(count: int, start: datetime = START, step_s: int = 180) -> list[datetime]:
    return [start + timedelta(seconds=step_s * n) for n in range(count)]


def gpx(points=WALK, *, start=START, step_s=180, sport="walking", timed=True) -> bytes:
    stamps = times(len(points), start, step_s)
    trkpts = "".join(
        f'<trkpt lat="{lat!r}" lon="{lon!r}">'
        + (f"<time>{t.strftime('%Y-%m-%dT%H:%M:%SZ')}</time>" if timed else "")
        + "</trkpt>"
        for (lon, lat), t in zip(points, stamps, strict=True)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Test</name><type>{sport}</type><trkseg>{trkpts}</trkseg></trk></gpx>"
    ).encode()


def tcx(points=WALK, *, start=START, step_s=180, sport="Running", distance_m=None) -> bytes:
    """A TCX activity; `points=()` with `distance_m` makes an indoor one (no positions)."""
    stamps = times(max(len(points), 2), start, step_s)
    trackpoints = "".join(
        f"<Trackpoint><Time>{t.strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        + (
            f"<Position><LatitudeDegrees>{pt[1]!r}</LatitudeDegrees>"
            f"<LongitudeDegrees>{pt[0]!r}</LongitudeDegrees></Position>"
            if pt
            else f"<DistanceMeters>{(distance_m or 0) * n:.1f}</DistanceMeters>"
        )
        + "</Trackpoint>"
        for n, (pt, t) in enumerate(zip(list(points) or [None, None], stamps, strict=True))
    )
    lap_distance = f"<DistanceMeters>{distance_m}</DistanceMeters>" if distance_m else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{start.isoformat()}</Id>'
        f'<Lap StartTime="{start.isoformat()}"><TotalTimeSeconds>{step_s * len(stamps)}'
        f"</TotalTimeSeconds>{lap_distance}<Track>{trackpoints}</Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def fit(points=WALK, *, start=START, step_s=180, sport="walking", distance_m=None) -> bytes:
    """A FIT activity; `points=()` with `distance_m` makes an indoor one (no positions)."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    start_ms = int(start.timestamp() * 1000)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = start_ms
    file_id.serial_number = 0x1234
    builder.add(file_id)
    count = len(points) or 10
    for n in range(count):
        record = RecordMessage()
        record.timestamp = start_ms + n * step_s * 1000
        if points:
            record.position_long, record.position_lat = points[n]
        else:
            record.distance = (distance_m or 0) * n / (count - 1)
        builder.add(record)
    session = SessionMessage()
    session.timestamp = start_ms + (count - 1) * step_s * 1000
    session.start_time = start_ms
    session.sport = FIT_SPORTS[sport]
    session.total_elapsed_time = (count - 1) * step_s
    if distance_m:
        session.total_distance = distance_m
    builder.add(session)
    return builder.build().to_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
