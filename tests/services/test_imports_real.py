"""Real device files (tests/data/gps) import as what was walked: each recorded span measured on
its own, every activity of a file, the tracks that cannot be imported listed with their dates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from milequest.services.gps_imports import imports
from milequest.services.walks import activities
from tests import real_gps_files as real
from tests.factories import make_user


def run(walker, name: str):
    batch_id = imports.accept_upload(walker, [(name, real.sample(name))])
    for import_id in imports.queued_ids(batch_id):
        imports.run_import(import_id)
    (job,) = imports.batch(walker, batch_id)
    return job


@pytest.fixture
def recorded_days_ago(monkeypatch):
    """The walker's today set to the week a file was recorded (the samples are years old)."""

    def set_today(name: str):
        first = min(start for start, _ in real.recorded_activities(name))
        monkeypatch.setattr(activities, "today_for", lambda walker: first.date() + timedelta(2))

    return set_today


def imported(walker) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.user_id == walker.id)
            .order_by(Activity.started_at, Activity.id)
        )
    )


@pytest.mark.parametrize("name", real.SAMPLES)
def test_every_real_file_imports_the_geodesic_length_of_its_recorded_spans(
    app, recorded_days_ago, name
):
    recorded_days_ago(name)
    walker = make_user(timezone="UTC")

    run(walker, name)

    expected = sorted(
        (start, real.spans_length_m(spans)) for start, spans in real.recorded_activities(name)
    )
    got = sorted((a.started_at, float(a.distance_m)) for a in imported(walker))
    assert [start for start, _ in got] == [start for start, _ in expected]
    for (_, got_m), (_, expected_m) in zip(got, expected, strict=True):
        assert abs(got_m - expected_m) <= max(20, expected_m * 0.005), name


def test_a_fit_ride_is_not_credited_the_straight_lines_across_its_pauses(app, recorded_days_ago):
    name = "2019-02-17-062644-ELEMNT-297E-195-0.fit"  # Wahoo ELEMNT, 52 recorded spans
    recorded_days_ago(name)
    walker = make_user()
    ((_, spans),) = real.recorded_activities(name)

    job = run(walker, name)

    (ride,) = imported(walker)
    assert job.status == "imported"
    assert ride.kind == "cycle"
    assert ride.counted_m == (ride.distance_m * Decimal("0.3333")).quantize(Decimal("0.001"))
    assert abs(float(ride.distance_m) - real.spans_length_m(spans)) < 1
    assert real.joined_length_m(spans) - float(ride.distance_m) > 1600  # the pauses' lines
    assert ride.device_distance_m == Decimal("78940.550")
    parts = db.session.scalar(select(func.ST_NumGeometries(Activity.track)))
    assert parts == 52


def test_a_multi_segment_gpx_counts_its_segments_not_the_gaps(app, recorded_days_ago):
    name = "garmin-forerunner-10-output.gpx"
    recorded_days_ago(name)
    walker = make_user()
    ((_, spans),) = real.recorded_activities(name)

    run(walker, name)

    (run_,) = imported(walker)
    assert len(spans) == 7
    assert abs(float(run_.distance_m) - real.spans_length_m(spans)) < 1
    assert float(run_.distance_m) < real.joined_length_m(spans) - 30


def test_a_tcx_with_two_activities_becomes_two_activities(app, recorded_days_ago):
    name = "2_activities_2_tracks_many_laps_trackpoints.tcx"
    recorded_days_ago(name)
    walker = make_user()

    job = run(walker, name)

    first, second = imported(walker)
    assert first.duration_s == second.duration_s == 667  # not one run lasting both
    assert first.device_distance_m == second.device_distance_m == Decimal("2000.000")
    assert first.device_disagrees and not second.device_disagrees  # 2,981 m measured vs 2,000 m
    assert job.imported_count == 2
    assert "overlaps another of your activities" in job.message  # they share their times


def test_a_fit_with_several_sessions_becomes_one_activity_per_sport(app, recorded_days_ago):
    name = "sample_mulitple_header.fit"  # swim, transition, ride, transition, run
    recorded_days_ago(name)
    walker = make_user(timezone="UTC")

    job = run(walker, name)

    assert [a.kind for a in imported(walker)] == ["swim", "cycle", "run"]
    assert job.message.splitlines()[0] == "3 activities imported; 2 tracks not imported."
    assert (
        "Session 2 (transition) of 27 May 2018: skipped: "
        "a transition between sports is not an activity." in job.message.splitlines()
    )


def test_an_undated_track_is_skipped_and_the_dated_ones_import(app, recorded_days_ago):
    name = "korita-zbevnica.gpx"  # an empty track, a saved one without times, two dated
    recorded_days_ago(name)
    walker = make_user(timezone="Europe/Ljubljana")

    job = run(walker, name)

    assert len(imported(walker)) == 2
    assert job.status == "imported"
    assert job.message.splitlines() == [
        "2 activities imported; 2 tracks not imported.",
        "Track 1 “03-OCT-10”: skipped: it has no stretch of at least 2 points.",
        "Track 2 “03-OCT-10 #2”: skipped: it has no times, so we cannot tell its date: "
        "log it by hand.",
    ]


def test_reimporting_a_seven_track_gpx_says_all_seven_are_there(app, recorded_days_ago):
    name = "cerknicko-jezero.gpx"
    recorded_days_ago(name)
    walker = make_user()
    first = run(walker, name)

    again = run(walker, name)

    assert first.imported_count == 7
    assert again.status == "duplicate" and again.imported_count == 0
    assert again.message.splitlines()[0] == (
        "7 activities skipped: you already have them; 1 track not imported."
    )
    assert len(imported(walker)) == 7


def test_tracks_older_than_366_days_import_as_history(app):
    walker = make_user(timezone="Europe/Ljubljana")

    job = run(walker, "korita-zbevnica.gpx")  # recorded in October 2010

    assert job.status == "imported" and job.message.splitlines()[0] == (
        "2 activities imported; 2 tracks not imported."
    )
    assert [a.counts_for_journeys for a in imported(walker)] == [False, False]
