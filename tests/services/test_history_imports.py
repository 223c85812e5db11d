"""History: imported walks from before the import window are the walker's own, never a team's."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, JourneyContribution
from milequest.services.core import counters
from milequest.services.walkers import walker_stats
from milequest.services.walks import activities
from tests import gps_builders as files
from tests.factories import add_member, make_journey, make_team, make_user
from tests.services.test_imports import activities_of, run

NOW = datetime.now(UTC).replace(microsecond=0)
LONG_AGO = NOW - timedelta(days=400)


def long_standing_member(years: int = 3):
    """A walker in a team whose journey (and membership) began years ago: a window that an
    old walk falls inside, so only the history rule keeps it from counting."""
    team = make_team()
    journey = make_journey(team)
    membership = add_member(team)
    journey.started_on = membership.joined_on = date(NOW.year - years, 1, 1)
    db.session.flush()
    return journey, membership.user


def test_a_walk_older_than_366_days_is_imported_as_history_and_moves_no_journey(app):
    journey, walker = long_standing_member()

    [job] = run(walker, ("last-year.gpx", files.gpx(start=LONG_AGO)))

    assert (job.status, job.imported_count) == ("imported", 1), job.message
    [walk] = activities_of(walker)
    assert walk.counts_for_journeys is False and walk.review_status == "ok"
    assert journey.distance_m == 0
    assert db.session.get(JourneyContribution, (journey.id, walker.id)) is None
    assert walker_stats.stats(walker, activities.today_for(walker)).all_time_m == walk.distance_m
    assert counters.find_drift() == {
        "journey_member_days": [],
        "journey_contributions": [],
        "journeys": [],
        "walker_days": [],
    }


def test_a_walk_inside_the_window_still_counts(app):
    journey, walker = long_standing_member()

    run(walker, ("recent.gpx", files.gpx(start=NOW - timedelta(days=300))))

    [walk] = activities_of(walker)
    assert walk.counts_for_journeys is True
    assert journey.distance_m == walk.distance_m > 0


def test_history_stays_history_when_edited_and_may_keep_its_old_date(app):
    journey, walker = long_standing_member()
    run(walker, ("last-year.gpx", files.gpx(start=LONG_AGO)))
    [walk] = activities_of(walker)
    today = activities.today_for(walker)
    changed = activities.ActivityInput(
        distance_m=Decimal(2000), activity_date=walk.activity_date, kind="hike", note="Ben Nevis"
    )

    activities.edit_activity(walk, changed, today)
    activities.edit_activity(walk, replace(changed, activity_date=today), today)

    assert walk.counts_for_journeys is False and walk.kind == "hike"
    assert journey.distance_m == 0
    assert activities.earliest_date(walk, today) == activities.HISTORY_FROM
    assert counters.find_drift()["journeys"] == []


def test_a_file_dated_before_1990_is_refused(app):
    walker = make_user()

    [job] = run(walker, ("epoch.gpx", files.gpx(start=datetime(1989, 12, 31, tzinfo=UTC))))

    assert job.status == "refused" and "from 1 January 1990" in job.message
    assert db.session.scalars(select(Activity).where(Activity.user_id == walker.id)).all() == []


def test_the_typed_form_keeps_its_14_day_limit(app):
    walker = make_user()
    today = activities.today_for(walker)
    typed = activities.ActivityInput(
        distance_m=Decimal(3000), activity_date=today - timedelta(days=15), kind="walk"
    )

    with pytest.raises(activities.ActivityInvalid, match="14 days back"):
        activities.log_activity(walker, uuid.uuid4(), typed, today)
