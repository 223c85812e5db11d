"""Streaks with one rest day a week in the walker's own days, the weekly goal, and badges earned
once, told in the feed, withdrawn with the walk that earned them (real PostgreSQL, real threads).
"""

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text

from milequest.extensions import db
from milequest.models import Badge, Notification, TeamEvent, User
from milequest.models.activity import ReviewStatus
from milequest.models.badge import BadgeKind
from milequest.models.notification import NotificationKind
from milequest.services.achievements import badges, streaks
from milequest.services.core import team_events
from milequest.services.notifications import streak_alerts
from milequest.services.walkers import walker_stats
from milequest.services.walks import activities, activity_reviews
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.services.test_counters_concurrency import run_together
from workers.aggregation import reconcile_counters

MONDAY = date(2026, 11, 2)


def days(*offsets: int) -> list[date]:
    return [MONDAY + timedelta(days=n) for n in offsets]


def test_one_missed_day_a_week_is_a_rest_day_two_in_a_row_end_the_streak():
    rested = days(0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12)  # rests on days 3 and 11: a week apart
    assert streaks.daily(rested, MONDAY + timedelta(days=12)).days == 11
    assert streaks.longest(rested) == 11

    two_in_a_row = days(0, 1, 2, 5, 6)
    assert streaks.daily(two_in_a_row, MONDAY + timedelta(days=6)).days == 2
    twice_in_a_week = days(0, 1, 3, 4, 6, 7)  # rests on days 2 and 5
    assert [r.walked_days for r in streaks.runs(twice_in_a_week)] == [4, 2]


def test_a_streak_is_at_risk_only_when_missing_today_would_end_it():
    walked = days(0, 1, 2, 3)
    assert streaks.daily(walked, MONDAY + timedelta(days=3)).walked_today
    not_yet = streaks.daily(walked, MONDAY + timedelta(days=4))
    assert (not_yet.days, not_yet.at_risk, not_yet.rest_day_free) == (4, False, True)
    rested_yesterday = streaks.daily(walked, MONDAY + timedelta(days=5))
    assert (rested_yesterday.days, rested_yesterday.at_risk) == (4, True)
    assert streaks.daily(walked, MONDAY + timedelta(days=6)) == streaks.NO_STREAK
    rest_used = days(0, 2, 3)  # rested on day 1: no second rest before day 8
    assert streaks.daily(rest_used, MONDAY + timedelta(days=4)).at_risk


def test_weekly_streak_counts_weeks_that_reached_the_goal_or_had_a_walk():
    km = Decimal(1000)
    walked = [(d, 3 * km) for d in days(0, 1, 7, 14, 15, 21)]  # 6, 3, 6, 3 km by week
    sunday_of_week_4 = MONDAY + timedelta(days=27)
    assert streaks.weekly(walked, None, sunday_of_week_4) == 4
    assert streaks.weekly(walked, 2000, sunday_of_week_4) == 4
    assert streaks.weekly(walked, 5000, sunday_of_week_4) == 1  # week 4, under way, is short
    assert streaks.weekly(walked, 5000, sunday_of_week_4 + timedelta(days=7)) == 0  # it ended


def local_moment(zone: str, day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("zone", ["Pacific/Tongatapu", "Pacific/Honolulu"])  # UTC+13, UTC-10
def test_a_streak_survives_walks_logged_at_ten_to_midnight_local_time(zone):
    walker = make_user(timezone=zone)
    first = date.today() - timedelta(days=12)
    for n in range(8):
        moment = local_moment(zone, first + timedelta(days=n), time(23, 50))
        today = walker.local_date(moment)
        assert today == first + timedelta(days=n)  # not the UTC date
        data = activities.ActivityInput(Decimal(2000), today, "walk")
        activities.log_activity(walker, uuid.uuid4(), data, today)
    last = first + timedelta(days=7)

    just_after_midnight = local_moment(zone, last + timedelta(days=1), time(0, 5))
    stats = walker_stats.stats(walker, walker.local_date(just_after_midnight))
    assert (stats.streak_days, stats.streak.at_risk) == (8, False)
    assert (BadgeKind.STREAK.value, "7") in held(walker)

    rest_evening = local_moment(zone, last + timedelta(days=1), time(19, 30))
    assert streak_alerts.warn(walker.id, rest_evening) is None  # a rest day is free
    last_evening = local_moment(zone, last + timedelta(days=2), time(19, 30))
    assert walker.id in streak_alerts.due_walker_ids(last_evening)
    assert walker.id not in streak_alerts.due_walker_ids(last_evening - timedelta(hours=3))
    assert streak_alerts.warn(walker.id, last_evening) is not None
    assert streak_alerts.warn(walker.id, last_evening + timedelta(hours=1)) is None  # once
    [alert] = db.session.scalars(select(Notification).where(Notification.user_id == walker.id))
    assert alert.kind == NotificationKind.STREAK_AT_RISK and "8-day streak" in alert.title
    next_morning = local_moment(zone, last + timedelta(days=3), time(8, 0))
    assert walker_stats.stats(walker, walker.local_date(next_morning)).streak_days == 0


def held(walker: User) -> set[tuple[str, str]]:
    return {(b.kind, b.key) for b in badges.shown(walker.id)}


def feed_badges(team) -> list[tuple[str, str]]:
    return [
        (e.data["badge"], e.data["key"])
        for e in reversed(team_events.recent(team.id, limit=100))
        if e.kind == badges.EVENT_KIND
    ]


def test_badges_are_earned_once_and_told_in_the_feed():
    team = make_team()
    walker = add_member(team).user

    log(walker, 11)  # two badges at once: told in their natural order
    log(walker, 1)
    log(walker, 2)

    first, ten_km = (BadgeKind.FIRST_WALK.value, ""), (BadgeKind.DISTANCE.value, "10000")
    assert held(walker) == {first, ten_km}
    assert feed_badges(team) == [first, ten_km]
    assert badges.name(*ten_km, {}) == "10 km walked"


def test_a_deleted_walk_takes_its_distance_badge_back_and_earning_it_again_tells_no_one():
    team = make_team()
    walker = add_member(team).user
    log(walker, 6)
    second = log(walker, 5)
    ten_km = (BadgeKind.DISTANCE.value, "10000")

    activities.delete_activity(second)
    assert held(walker) == {(BadgeKind.FIRST_WALK.value, "")}
    again = log(walker, 5)
    assert ten_km in held(walker)
    activities.edit_activity(
        again,
        activities.ActivityInput(Decimal(1000), again.activity_date, "walk"),
        again.activity_date,
    )
    assert ten_km not in held(walker)

    rows = db.session.scalar(
        select(func.count()).select_from(Badge).where(Badge.user_id == walker.id)
    )
    assert rows == 2  # the withdrawn badge is the same row, kept for when it comes back
    assert feed_badges(team).count(ten_km) == 1


def test_a_held_walk_earns_its_badges_when_a_captain_approves_it():
    team = make_team()
    make_journey(team)
    walker = add_member(team).user
    held_walk = log(walker, 12, duration_s=3600)  # 12 km/h is fast for a walk: held

    assert held_walk.review_status == ReviewStatus.HELD and held(walker) == set()
    activity_reviews.review(held_walk.id, team, team.created_by, approve=True)

    personal = {(BadgeKind.FIRST_WALK.value, ""), (BadgeKind.DISTANCE.value, "10000")}
    assert personal <= held(walker)  # with the team's: 12 km finishes the short route
    assert feed_badges(team) == [
        (BadgeKind.FIRST_WALK.value, ""),
        (BadgeKind.DISTANCE.value, "10000"),
    ]


def test_every_active_member_earns_the_milestone_badge_and_keeps_it():
    team = make_team()
    make_journey(team)
    walker, other = add_member(team).user, add_member(team).user
    walk = log(walker, 6)  # past the first milestone (about 5.5 km)

    for member in (team.created_by, walker, other):
        assert BadgeKind.MILESTONE.value in {kind for kind, _ in held(member)}
    milestone = db.session.scalar(
        select(TeamEvent).where(TeamEvent.team_id == team.id, TeamEvent.kind == "milestone_reached")
    )
    assert milestone.data["badge"] is True

    activities.delete_activity(walk)
    assert BadgeKind.MILESTONE.value in {kind for kind, _ in held(other)}  # team badges stay


@pytest.mark.committing
def test_racing_changes_award_a_badge_once(app, monkeypatch):
    team = make_team()
    walker = add_member(team).user
    log(walker, 12)
    db.session.execute(delete(Badge))  # as if earned by no one yet: now four race to award them
    db.session.commit()
    walker_id = walker.id
    told: list[list[badges.Earned]] = []
    lock = threading.Lock()
    all_have_read, this_thread, insert = threading.Barrier(4), threading.local(), badges._award

    def insert_once_all_have_read(*args):
        if not getattr(this_thread, "waited", False):  # each has seen no badge: all will insert
            this_thread.waited = True
            all_have_read.wait(timeout=30)
        return insert(*args)

    monkeypatch.setattr(badges, "_award", insert_once_all_have_read)

    def award() -> None:
        earned = badges.recompute(walker_id)  # no walker lock: the unique key alone decides
        with lock:
            told.append(earned)

    errors = run_together(app, [award] * 4)

    assert errors == []
    assert sorted(b.kind for e in told for b in e) == ["distance", "first_walk"]  # told once
    db.session.rollback()
    rows = db.session.execute(
        select(Badge.kind, Badge.key, func.count())
        .where(Badge.user_id == walker_id)
        .group_by(Badge.kind, Badge.key)
    ).all()
    assert sorted(rows) == [("distance", "10000", 1), ("first_walk", "", 1)]


@pytest.mark.committing
def test_two_first_walks_logged_at_once_make_one_first_walk_badge_and_one_feed_line(app):
    team = make_team()
    walker = add_member(team).user
    db.session.commit()
    walker_id, team_id = walker.id, team.id

    def first_walk() -> None:
        user = db.session.get(User, walker_id)
        today = activities.today_for(user)
        data = activities.ActivityInput(Decimal(2000), today, "walk")
        activities.log_activity(user, uuid.uuid4(), data, today)

    assert run_together(app, [first_walk, first_walk]) == []

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 1
    told = db.session.scalars(
        select(TeamEvent).where(TeamEvent.team_id == team_id, TeamEvent.kind == badges.EVENT_KIND)
    ).all()
    assert [e.data["badge"] for e in told] == [BadgeKind.FIRST_WALK.value]


@pytest.mark.committing
def test_the_reconcile_brings_badges_in_line_with_the_days_it_repairs(app):
    walker = make_user()
    log(walker, 12)
    db.session.execute(text("UPDATE activities SET distance_m = 2000"))  # drift, out of band
    db.session.commit()
    walker_id = walker.id

    assert reconcile_counters()["walker_days"] == 1

    db.session.expire_all()
    kept = {(b.kind, b.key) for b in badges.shown(walker_id)}
    assert kept == {(BadgeKind.FIRST_WALK.value, "")}  # the 10 km badge went with the distance
