"""A journey's planning: pace over 7 and 28 days, the finish it projects, the captain's target."""

from datetime import UTC, datetime, time, timedelta
from math import ceil

import pytest
from sqlalchemy import update

from milequest.extensions import db
from milequest.models import Membership
from milequest.services.journeying import journey_forecasts, journeys
from milequest.services.walks import activities
from tests.factories import add_member, log, make_route, make_team, make_user

LONG_WAY = [(-5.7132, 50.0657), (-3.1883, 55.9533), (-3.0690, 58.6440)]  # about 1,000 km


def team_walking_since(days_ago: int):
    """Two walkers on a long journey started `days_ago` days ago, 5 km each every day since."""
    captain = make_user()
    team = make_team(captain)
    walker = add_member(team).user
    today = activities.today_for(captain)
    since = today - timedelta(days=days_ago)
    db.session.execute(
        update(Membership)
        .where(Membership.team_id == team.id)
        .values(joined_on=since, joined_at=datetime.combine(since, time(), tzinfo=UTC))
    )
    journey = journeys.start_journey(team, make_route(captain, LONG_WAY), captain, since)
    for n in range(days_ago + 1):
        for who in (captain, walker):
            log(who, 5, day=since + timedelta(days=n))
    db.session.refresh(journey)
    return journey, today


def test_the_projected_finish_follows_from_the_pace_of_the_last_28_days():
    journey, today = team_walking_since(10)  # 11 days on the journey, 10 km a day
    assert float(journey.distance_m) == 110_000

    forecast = journey_forecasts.forecast(journey, today)

    assert (forecast.week.days, forecast.week.per_day_m) == (7, pytest.approx(10_000))
    assert (forecast.month.days, forecast.month.per_day_m) == (11, pytest.approx(10_000))
    remaining_m = journey.route.length_m - 110_000
    assert forecast.remaining_m == pytest.approx(remaining_m)
    assert forecast.projected_finish == today + timedelta(days=ceil(remaining_m / 10_000))


def test_the_forecast_is_for_the_day_it_is_asked_about():
    journey, today = team_walking_since(10)
    later = today + timedelta(days=20)  # nothing walked since today

    forecast = journey_forecasts.forecast(journey, later)

    assert forecast.week.per_day_m == 0
    # The last 28 days up to `later` hold 8 of the walked days (today - 7 to today).
    assert forecast.month.days == 28
    assert forecast.month.per_day_m == pytest.approx(80_000 / 28)
    remaining_m = journey.route.length_m - 110_000
    assert forecast.projected_finish == later + timedelta(days=ceil(remaining_m / (80_000 / 28)))
    much_later = journey_forecasts.forecast(journey, today + timedelta(days=60))
    assert much_later.month.per_day_m == 0 and much_later.projected_finish is None


def test_a_target_date_says_what_each_member_needs_to_walk_a_day():
    journey, today = team_walking_since(3)
    target = today + timedelta(days=29)  # 30 days to walk, today included

    journeys.set_target_date(journey, target, today)
    forecast = journey_forecasts.forecast(journey, today)

    remaining_m = journey.route.length_m - 40_000
    assert forecast.members == 2
    assert forecast.needed_per_member_m == pytest.approx(remaining_m / 30 / 2)
    assert forecast.on_track is False  # 10 km a day will not do 1,000 km in a month


@pytest.mark.parametrize("days", [-1, -30])
def test_a_target_date_in_the_past_is_refused_and_nothing_changes(days):
    journey, today = team_walking_since(3)

    with pytest.raises(journeys.JourneyError, match="today or later"):
        journeys.set_target_date(journey, today + timedelta(days=days), today)
    assert journey.target_date is None


def test_a_finished_distance_projects_today():
    assert journey_forecasts.projected_finish(0, 0, datetime(2026, 1, 2).date()).day == 2
