"""GPS imports: files the tests build, measured to within 1 m of an independent computation."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib import zip_uploads
from milequest.models import Activity, GpsImport
from milequest.services.gps_imports import imports
from tests import gps_builders as files
from tests.factories import make_user

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def run(walker, *uploads):
    """Accept an upload and run its jobs as the worker would; the jobs, in order."""
    batch_id = imports.accept_upload(walker, list(uploads))
    for import_id in imports.queued_ids(batch_id):
        imports.run_import(import_id)
    return imports.batch(walker, batch_id)


def activities_of(walker):
    return list(db.session.scalars(select(Activity).where(Activity.user_id == walker.id)))


@pytest.mark.parametrize(
    ("name", "build", "kind"),
    [
        ("walk.gpx", lambda: files.gpx(start=START, sport="walking"), "walk"),
        ("run.tcx", lambda: files.tcx(start=START, step_s=60, sport="Running"), "run"),
        ("walk.fit", lambda: files.fit(start=START, sport="walking"), "walk"),
    ],
)
def test_a_file_becomes_an_activity_with_its_geodesic_length(app, name, build, kind):
    walker = make_user(timezone="Pacific/Auckland")

    [job] = run(walker, (name, build()))

    assert (job.status, job.imported_count) == ("imported", 1), job.message
    [activity] = activities_of(walker)
    assert abs(float(activity.distance_m) - files.geodesic_length_m(files.WALK)) < 1
    assert activity.kind == kind and activity.source == "import"
    assert activity.review_status == "ok"
    assert activity.started_at == START
    assert activity.activity_date == (START + timedelta(hours=13)).date()  # Auckland, summer
    assert db.session.scalar(func.ST_NPoints(activity.track)) == len(files.WALK)
    assert job.content is None  # the file is not kept


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bike.fit", lambda: files.fit((), start=START, sport="running", distance_m=4321.5)),
        ("treadmill.tcx", lambda: files.tcx((), start=START, distance_m=4321.5)),
    ],
)
def test_a_file_without_gps_imports_its_distance(app, name, data):
    walker = make_user()

    [job] = run(walker, (name, data()))

    [activity] = activities_of(walker)
    assert job.status == "imported"
    assert activity.distance_m == Decimal("4321.500") and activity.track is None


def flip_last_byte(data: bytes) -> bytes:
    """Damage the checksum whatever its value (overwriting it could rewrite the same byte)."""
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def zip_bomb() -> bytes:
    return files.zipped({"huge.gpx": b"<" * (zip_uploads.MAX_MEMBER_BYTES + 1)})


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cut.gpx", lambda: files.gpx(start=START)[:-40], "not complete XML"),
        ("cut.tcx", lambda: files.tcx(start=START)[:-40], "not complete XML"),
        ("bad.fit", lambda: flip_last_byte(files.fit(start=START)), "checksum"),
        ("one.gpx", lambda: files.gpx(files.WALK[:1], start=START), "at least 2 points"),
        ("none.gpx", lambda: files.gpx([], start=START), "at least 2 points"),
        ("bomb.zip", zip_bomb, "too much data"),
        ("evil.zip", lambda: files.zipped({"../../evil.gpx": files.gpx()}), "unsafe name"),
        ("bad.zip", lambda: b"PK\x03\x04 not really", "damaged"),
        ("notimes.gpx", lambda: files.gpx(start=START, timed=False), "no times"),
        ("entities.gpx", lambda: b'<!DOCTYPE g [<!ENTITY a "aaaa">]><gpx>&a;</gpx>', "entities"),
        ("future.gpx", lambda: files.gpx(start=datetime.now(UTC) + timedelta(days=3)), "future"),
        ("notes.txt", lambda: b"hello", "Only .gpx"),
    ],
)
def test_broken_files_are_refused_with_a_reason_and_store_nothing(app, name, data, message):
    walker = make_user()

    [job] = run(walker, (name, data()))

    assert job.status == "refused"
    assert message in job.message
    assert activities_of(walker) == []


def test_a_zip_imports_each_gps_file_and_names_the_others(app):
    walker = make_user()
    later = START + timedelta(hours=3)
    archive = files.zipped(
        {
            "a/walk.gpx": files.gpx(start=START),
            "b/walk.fit": files.fit(start=later),
            "readme.txt": b"hi",
        }
    )

    jobs = run(walker, ("watch.zip", archive))

    assert [(j.filename, j.status) for j in jobs] == [
        ("walk.gpx", "imported"),
        ("walk.fit", "imported"),
        ("readme.txt", "refused"),
    ]
    assert len(activities_of(walker)) == 2


def test_long_and_strange_file_names_are_kept_short_and_printable(app):
    walker = make_user()
    long_name = "x" * 300 + ".gpx"
    archive = files.zipped({long_name: files.gpx(start=START)})

    jobs = run(walker, ("watch.zip", archive), ("walk\x00\x1b.gpx", b"<gpx"))

    assert [len(j.filename) for j in jobs] == [255, 8]
    assert jobs[0].filename.endswith(".gpx") and jobs[0].status == "imported"
    assert jobs[1].filename == "walk.gpx" and jobs[1].status == "refused"


def test_the_same_file_twice_is_a_duplicate(app):
    walker = make_user()
    run(walker, ("walk.gpx", files.gpx(start=START)))

    [job] = run(walker, ("copy.gpx", files.gpx(start=START)))

    assert job.status == "duplicate" and "already have" in job.message
    assert len(activities_of(walker)) == 1


def test_the_same_walk_from_another_device_is_a_duplicate(app):
    walker = make_user()
    run(walker, ("phone.gpx", files.gpx(start=START)))

    [job] = run(walker, ("watch.fit", files.fit(start=START + timedelta(seconds=30))))

    assert job.status == "duplicate"
    assert len(activities_of(walker)) == 1


def test_an_upload_over_20_mb_is_refused_whole(app):
    walker = make_user()

    with pytest.raises(imports.UploadRefused, match="20 MB"):
        imports.accept_upload(walker, [("big.gpx", b" " * (imports.MAX_UPLOAD_BYTES + 1))])


def test_an_old_file_counts_within_a_year_and_is_history_beyond(app):
    walker = make_user()
    old = START - timedelta(days=200)
    ancient = START - timedelta(days=400)

    jobs = run(walker, ("old.gpx", files.gpx(start=old)), ("ancient.gpx", files.gpx(start=ancient)))

    assert [j.status for j in jobs] == ["imported", "imported"]
    counting = {a.started_at: a.counts_for_journeys for a in activities_of(walker)}
    assert counting == {old: True, ancient: False}


def test_a_finished_job_runs_no_second_time(app):
    walker = make_user()
    [job] = run(walker, ("walk.gpx", files.gpx(start=START)))

    again = imports.run_import(job.id)

    assert again.status == "imported" and len(activities_of(walker)) == 1
    assert db.session.scalar(select(func.count()).select_from(GpsImport)) >= 1
