"""A zip shaped like Strava's bulk export, built from the real files in tests/data/strava."""

import csv
import gzip
import io
import zipfile
from pathlib import Path

SAMPLES = Path(__file__).parent / "data" / "strava"
# The header of a real English-language export (it repeats some names; it goes on much longer).
HEADER_LINE = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,"
    "Filename,Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,"
    "Average Speed,Elevation Gain,Elevation Loss,Elevation Low,Elevation High,Max Grade,"
    "Average Grade,Average Positive Grade,Average Negative Grade,Max Cadence,Average Cadence,"
    "Max Heart Rate,Average Heart Rate,Max Watts,Average Watts,Calories"
)
HEADER = HEADER_LINE.split(",")
# (activity id, date as Strava writes it, name, type, sample file, gzipped in the export)
ACTIVITIES = [
    (
        "1001",
        "Dec 18, 2020, 6:15:50 AM",
        "Round Višnjan, by car",
        "Ride",
        "around-visnjan-with-car.gpx",
        False,
    ),
    (
        "1002",
        "Jun 11, 2017, 2:32:51 PM",
        "Fenix walk, with a comma",
        "Walk",
        "garmin-fenix-5-walk.fit",
        True,
    ),
    ("1003", "Jun 11, 2017, 2:34:09 PM", "Fenix run", "Run", "garmin-fenix-5-run.fit", True),
    ("1004", "Jul 16, 2022, 4:08:25 PM", "Paddle", "Stand Up Paddling", "sup_activity_1.tcx", True),
    ("1005", "Jan 3, 2023, 7:00:00 PM", "Gym", "Weight Training", None, False),
]


def export_path(activity_id: str, sample: str, gzipped: bool) -> str:
    return f"activities/{activity_id}.{sample.rsplit('.', 1)[1]}" + (".gz" if gzipped else "")


def activities_csv(rows=ACTIVITIES) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for activity_id, day, name, kind, sample, gzipped in rows:
        row = [""] * len(HEADER)
        row[:4] = [activity_id, day, name, kind]
        row[HEADER.index("Filename")] = export_path(activity_id, sample, gzipped) if sample else ""
        writer.writerow(row)
    return out.getvalue().encode()


def strava_export(*, folder: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """The export zip: activities.csv, activities/ (some gzipped), other CSVs and media/."""
    members = {"activities.csv": activities_csv(), "profile.csv": b"Athlete ID,Email\n1,a@b.c\n"}
    for activity_id, _, _, _, sample, gzipped in ACTIVITIES:
        if sample:
            data = (SAMPLES / sample).read_bytes()
            members[export_path(activity_id, sample, gzipped)] = (
                gzip.compress(data) if gzipped else data
            )
    members["media/1001-photo.jpg"] = b"\xff\xd8\xff\xe0 not read"
    members.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            media = name.startswith("media/")  # photos and videos: stored, as good as packed
            archive.writestr(folder + name, data, zipfile.ZIP_STORED if media else None)
    return buffer.getvalue()
