"""A Strava bulk export imports in one go: real GPX/FIT/TCX files, some gzipped, named and typed
by activities.csv, all of them history that moves no journey."""

import gzip
import io
from datetime import date

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.lib import zip_uploads
from milequest.models import Activity, GpsImport
from milequest.services.core import counters
from milequest.services.gps_imports import imports, strava_exports
from tests.factories import add_member, make_journey, make_team
from tests.services.test_imports import run
from tests.strava_export import ACTIVITIES, HEADER, SAMPLES, strava_export

EXPECTED = {  # filename -> (title, kind)
    "1001.gpx": ("Round Višnjan, by car", "cycle"),  # listed as a ride: counts a third
    "1002.fit": ("Fenix walk, with a comma", "walk"),
    "1003.fit": ("Fenix run", "run"),
    "1004.tcx": ("Paddle", "other"),
}


def walker_since_2015():
    """A member of a team whose journey window reaches back past every sample file."""
    team = make_team()
    journey = make_journey(team)
    membership = add_member(team)
    journey.started_on = membership.joined_on = date(2015, 1, 1)
    db.session.flush()
    return journey, membership.user


def activities_of(walker) -> dict[str, Activity]:
    query = select(Activity).where(Activity.user_id == walker.id)
    return {a.note: a for a in db.session.scalars(query)}


@pytest.mark.parametrize("folder", ["", "export_12345/"], ids=["top", "in-a-folder"])
def test_an_export_imports_every_activity_file_as_named_history(app, monkeypatch, folder):
    monkeypatch.setattr(strava_exports, "CHUNK_FILES", 3)  # more than one chunk
    journey, walker = walker_since_2015()

    jobs = run(walker, ("export_12345.zip", io.BytesIO(strava_export(folder=folder))))

    *files, index = jobs
    assert {j.filename: (j.title, j.kind) for j in files} == EXPECTED  # no media, no other CSV
    assert [j.status for j in files] == ["imported"] * 4, [j.message for j in jobs]
    assert (index.filename, index.status) == ("activities.csv", "refused")
    assert "1 activity listed here (Weight Training) had no GPS file" in index.message
    found = activities_of(walker)
    assert {title: a.kind for title, a in found.items()} == dict(EXPECTED.values())
    assert all(not a.counts_for_journeys and a.review_status == "ok" for a in found.values())
    assert all(a.distance_m > 0 and a.track is not None for a in found.values())
    assert journey.distance_m == 0
    assert not any(counters.find_drift().values())


def test_a_file_not_in_activities_csv_is_unnamed_and_its_gzipped_copy_a_duplicate(app):
    _, walker = walker_since_2015()
    unlisted = {"activities/2001.fit.gz": gzip.compress(fenix_walk())}

    jobs = run(walker, ("export.zip", strava_export(extra=unlisted)))

    [job] = [j for j in jobs if j.filename == "2001.fit"]
    assert (job.title, job.kind, job.status) == ("", None, "duplicate")  # the same walk as 1002
    assert "already have" in job.message


def test_a_damaged_gzipped_file_is_refused_and_the_rest_imported(app):
    _, walker = walker_since_2015()
    cut = {"activities/3001.fit.gz": gzip.compress(fenix_walk())[:-30]}

    jobs = run(walker, ("export.zip", strava_export(extra=cut)))

    statuses = {j.filename: j.status for j in jobs}
    assert statuses.pop("3001.fit") == statuses.pop("activities.csv") == "refused"
    assert set(statuses.values()) == {"imported"}


def test_a_gzipped_file_that_unpacks_past_the_limit_is_refused(app):
    bomb = gzip.compress(b"<" * (zip_uploads.MAX_MEMBER_BYTES + 1))

    with pytest.raises(imports.gps_files.FileRefused, match="more than 20 MB"):
        zip_uploads.gunzipped(bomb)


def test_an_export_with_too_many_files_is_refused_whole(app, monkeypatch):
    monkeypatch.setattr(strava_exports, "MAX_ACTIVITY_FILES", 3)
    _, walker = walker_since_2015()

    with pytest.raises(imports.UploadRefused, match="holds 4 activity files: at most 3"):
        imports.accept_upload(walker, [("export.zip", strava_export())])

    assert db.session.scalars(select(GpsImport).where(GpsImport.user_id == walker.id)).all() == []


def test_an_export_past_its_stored_size_is_refused_whole(app, monkeypatch):
    monkeypatch.setattr(strava_exports, "MAX_STORED_BYTES", 13_000)  # the GPX (12 kB) and no more
    _, walker = walker_since_2015()

    with pytest.raises(imports.UploadRefused, match="too much data"):
        imports.accept_upload(walker, [("export.zip", strava_export())])


def test_an_export_without_activities_is_refused(app):
    _, walker = walker_since_2015()
    archive = io.BytesIO()
    with zip_uploads.zipfile.ZipFile(archive, "w") as z:
        z.writestr("activities.csv", ",".join(HEADER) + "\n")
        z.writestr("media/1.jpg", b"not read")

    with pytest.raises(imports.UploadRefused, match="no activities to import"):
        imports.accept_upload(walker, [("export.zip", archive.getvalue())])


def test_a_zip_without_activities_csv_is_an_ordinary_zip(app):
    _, walker = walker_since_2015()
    archive = io.BytesIO()
    with zip_uploads.zipfile.ZipFile(archive, "w") as z:
        z.writestr("activities/1.fit", fenix_walk())

    [job] = run(walker, ("watch.zip", archive.getvalue()))

    assert (job.filename, job.status, job.title) == ("1.fit", "imported", "")


def test_strava_types_become_our_kinds():
    types = ("Walk", "Trail Run", "Hike", "E-Bike Ride", "Swim", "Rowing", "Kayaking")
    kinds = {t: strava_exports.kind_of(t) for t in types}
    assert kinds == {
        "Walk": "walk",
        "Trail Run": "run",
        "Hike": "hike",
        "E-Bike Ride": "cycle",
        "Swim": "swim",
        "Rowing": "row",
        "Kayaking": "other",  # no published factor for a paddled distance yet
    }
    assert len(ACTIVITIES) == 5  # one of them (the gym session) has no file and is not imported


def fenix_walk() -> bytes:
    return (SAMPLES / "garmin-fenix-5-walk.fit").read_bytes()
