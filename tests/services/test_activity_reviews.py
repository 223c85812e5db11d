"""Implausible activities wait for a captain: held ones move no marker until approved, once."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, Membership, TeamEvent
from milequest.services.gps_imports import imports
from milequest.services.teamwork import teams
from milequest.services.walks import activities, activity_reviews, tracks
from tests import gps_builders as files
from tests.factories import add_member, log, make_journey, make_team, make_user

NOW = datetime.now(UTC).replace(microsecond=0)


def team_on_a_journey(walker):
    """A team with `walker` as member, on a journey both started a week ago."""
    team = make_team()
    add_member(team, walker)
    journey = make_journey(team)
    journey.started_on = date.today() - timedelta(days=7)
    for membership in db.session.scalars(select(Membership).where(Membership.team_id == team.id)):
        membership.joined_at -= timedelta(days=7)
        membership.joined_on -= timedelta(days=7)
    db.session.flush()
    return team, journey


def import_file(walker, name, data) -> Activity:
    batch_id = imports.accept_upload(walker, [(name, data)])
    [import_id] = imports.queued_ids(batch_id)
    job = imports.run_import(import_id)
    assert job.status == "imported", job.message
    return db.session.scalars(
        select(Activity).where(Activity.user_id == walker.id).order_by(Activity.id.desc())
    ).first()


def events(team, kind):
    return list(
        db.session.scalars(
            select(TeamEvent).where(TeamEvent.team_id == team.id, TeamEvent.kind == kind)
        )
    )


def test_a_60_kmh_walk_is_held_and_moves_the_marker_once_approved(app):
    walker = make_user()
    team, journey = team_on_a_journey(walker)
    start = NOW - timedelta(hours=3)

    activity = import_file(walker, "car.gpx", files.gpx(start=start, step_s=17))

    assert activity.review_status == "held" and "km/h is fast" in activity.review_reason
    db.session.refresh(journey)
    assert journey.distance_m == 0
    assert activity_reviews.held_for_team(team) == [activity]

    activity_reviews.review(activity.id, team, team.created_by, approve=True)
    db.session.refresh(journey)
    assert journey.distance_m == activity.distance_m
    with pytest.raises(activity_reviews.ReviewRefused, match="already"):
        activity_reviews.review(activity.id, team, team.created_by, approve=True)
    db.session.refresh(journey)
    assert journey.distance_m == activity.distance_m  # counted once
    assert len(events(team, "activity_approved")) == 1
    assert activity_reviews.held_for_team(team) == []


def test_an_archived_team_no_longer_reviews(app):
    walker = make_user()
    team, _journey = team_on_a_journey(walker)
    activity = import_file(walker, "car.gpx", files.gpx(start=NOW - timedelta(hours=3), step_s=17))
    teams.archive_team(team, team.created_by)

    assert activity_reviews.held_for_team(team) == []
    with pytest.raises(activity_reviews.ReviewRefused, match="archived"):
        activity_reviews.review(activity.id, team, team.created_by, approve=True)
    assert activity.review_status == "held"


def test_a_rejected_activity_never_counts_and_is_logged(app):
    walker = make_user()
    team, journey = team_on_a_journey(walker)
    activity = import_file(walker, "car.gpx", files.gpx(start=NOW - timedelta(hours=3), step_s=17))

    activity_reviews.review(activity.id, team, team.created_by, approve=False)

    db.session.refresh(journey)
    assert activity.review_status == "rejected" and journey.distance_m == 0
    assert len(events(team, "activity_rejected")) == 1


def test_only_captains_of_teams_it_would_count_for_review_it(app):
    walker = make_user()
    team, _ = team_on_a_journey(walker)
    other_team = make_team()  # the walker is not in it
    activity = import_file(walker, "car.gpx", files.gpx(start=NOW - timedelta(hours=3), step_s=17))

    assert activity_reviews.held_for_team(other_team) == []
    assert activity_reviews.held_for_team(team) == [activity]
    with pytest.raises(activity_reviews.ReviewRefused, match="not waiting"):
        activity_reviews.review(activity.id, other_team, other_team.created_by, approve=True)
    assert activity.review_status == "held"


def test_a_track_that_jumps_is_held(app):
    walker = make_user()
    jump = [*files.WALK[:7], (-2.5, 55.96), (-2.5, 55.97)]  # ~45 km east in three minutes

    activity = import_file(walker, "jump.gpx", files.gpx(jump, start=NOW - timedelta(days=1)))

    assert activity.review_status == "held"
    assert "jumps 4" in activity.review_reason


def test_an_import_overlapping_a_different_activity_is_held(app):
    walker = make_user()
    start = NOW - timedelta(days=1)
    import_file(walker, "walk.gpx", files.gpx(start=start))
    shorter = files.WALK[:5]

    activity = import_file(
        walker, "other.gpx", files.gpx(shorter, start=start + timedelta(minutes=5))
    )

    assert activity.review_status == "held" and "overlaps" in activity.review_reason


def test_a_typed_walk_that_is_fast_but_possible_is_held(app):
    walker = make_user()
    team, journey = team_on_a_journey(walker)

    activity = log(walker, 5, duration_s=30 * 60)  # 10 km/h: race walking, or a typo

    db.session.refresh(journey)
    assert activity.review_status == "held" and journey.distance_m == 0
    assert activity_reviews.held_for_team(team) == [activity]
    assert activity_reviews.held_for_team(team) == [activity]


def test_a_typed_walk_beyond_any_walker_is_still_refused(app):
    walker = make_user()
    data = activities.ActivityInput(Decimal(20000), date.today(), "walk", duration_s=30 * 60)

    with pytest.raises(activities.ActivityInvalid, match="too fast"):
        activities.log_activity(walker, uuid.uuid4(), data, date.today())


def test_others_could_only_ever_see_the_track_without_its_first_and_last_200_m(app):
    walker = make_user()
    activity = import_file(walker, "walk.gpx", files.gpx(start=NOW - timedelta(days=1)))

    own = tracks.own_track(activity)
    shared = tracks.shareable_track(activity)

    assert own[0] == pytest.approx(files.WALK[0]) and own[-1] == pytest.approx(files.WALK[-1])
    full_m = files.geodesic_length_m(own)
    assert abs(files.geodesic_length_m(shared) - (full_m - 400)) < 1
    assert abs(files.geodesic_length_m([own[0], shared[0]]) - 200) < 1
    assert abs(files.geodesic_length_m([shared[-1], own[-1]]) - 200) < 1
    assert activity.distance_m == pytest.approx(Decimal(full_m), abs=1)  # counts in full


def test_a_track_of_400_m_or_less_shows_nothing_to_others(app):
    walker = make_user()
    short = files.WALK[:2]  # about 280 m

    activity = import_file(walker, "short.gpx", files.gpx(short, start=NOW - timedelta(days=1)))

    assert tracks.shareable_track(activity) == []


def test_editing_a_walk_into_an_unlikely_speed_holds_it(app):
    walker = make_user()
    team, journey = team_on_a_journey(walker)
    activity = log(walker, 3, duration_s=40 * 60)
    db.session.refresh(journey)
    assert journey.distance_m == 3000

    data = activities.ActivityInput(Decimal(6000), activity.activity_date, "walk", 40 * 60)
    activities.edit_activity(activity, data, date.today())

    db.session.refresh(journey)
    assert activity.review_status == "held" and journey.distance_m == 0
    assert activity_reviews.held_for_team(team) == [activity]
