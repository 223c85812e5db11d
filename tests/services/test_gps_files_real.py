"""Reading real device files: each activity of a file with its own recorded spans, and the ones
that cannot be imported named with their reason (no database: the parsing alone)."""

from datetime import UTC, datetime

from milequest.lib import gps_files
from milequest.lib.gps_files import Recording, SkippedTrack
from tests import real_gps_files as real


def read(name: str):
    return gps_files.read_file(name, real.sample(name))


def test_a_fit_ride_splits_into_spans_at_its_timer_stops():
    (ride,) = read("2015-10-13-08-43-15.fit")  # 13 timer events: 6 recorded spans

    assert isinstance(ride, Recording) and len(ride.spans) == 6
    assert ride.kind == "cycle"  # the file's sport: cycling
    assert ride.file_distance_m == 11536.43
    assert ride.started_at == datetime(2015, 10, 13, 15, 43, 15, tzinfo=UTC)


def test_each_tcx_activity_is_read_on_its_own_with_its_tracks_as_spans():
    first, second = read("2_activities_2_tracks_many_laps_trackpoints.tcx")

    assert [len(first.spans), len(second.spans)] == [3, 2]
    assert first.duration_s == second.duration_s == 667
    assert (first.label, second.label) == ("Activity 1", "Activity 2")


def test_each_fit_session_is_an_activity_and_a_transition_is_skipped():
    found = read("sample_mulitple_header.fit")

    assert [type(f).__name__ for f in found] == [
        "Recording",
        "SkippedTrack",
        "Recording",
        "SkippedTrack",
        "Recording",
    ]
    assert [f.kind for f in found if isinstance(f, Recording)] == ["swim", "cycle", "run"]


def test_an_undated_track_is_skipped_with_its_reason_and_the_others_are_read():
    empty, undated, *dated = read("korita-zbevnica.gpx")

    assert empty == SkippedTrack("Track 1 “03-OCT-10”", "it has no stretch of at least 2 points")
    assert isinstance(undated, SkippedTrack) and "no times" in undated.reason
    assert [len(track.spans) for track in dated] == [1, 1]


def test_a_gpx_track_keeps_its_segments_as_spans():
    (track,) = read("garmin-forerunner-10-output.gpx")

    assert [len(span) for span in track.spans] == [2, 126, 5, 30, 37, 71, 243]


def test_a_ride_or_swim_named_in_a_gpx_or_tcx_file_gets_its_kind():
    """The same real files, with the sport a Garmin or Strava export writes for a ride or swim
    (<type> is GPX 1.1's, as those exports are: GPX 1.0 has no such element)."""
    gpx = (
        real.sample("garmin-forerunner-10-output.gpx")
        .replace(b'<gpx version="1.0"', b'<gpx version="1.1"', 1)
        .replace(b"<trk>", b"<trk><type>cycling</type>", 1)
    )
    tcx = real.sample("2_activities_2_tracks_many_laps_trackpoints.tcx")

    (ride,) = gps_files.read_file("ride.gpx", gpx)
    first, second = gps_files.read_file("swim.tcx", tcx.replace(b'"Running"', b'"Swimming"'))
    biked = gps_files.read_file("ride.tcx", tcx.replace(b'"Running"', b'"Biking"'))

    assert ride.kind == "cycle"
    assert (first.kind, second.kind) == ("swim", "swim")
    assert [b.kind for b in biked] == ["cycle", "cycle"]
