"""Kinds beyond walking count their distance times the factor of their kind, frozen when logged:
every counter equals the counting rule's sums of what counted, whatever the mix of kinds."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from milequest.extensions import db
from milequest.models import (
    Activity,
    Journey,
    JourneyContribution,
    Team,
    TeamEvent,
    User,
    WalkerDay,
)
from milequest.models.activity import COUNTED_SQL, KINDS, counted
from milequest.models.base import utcnow
from milequest.services.achievements import badges
from milequest.services.core import counters
from milequest.services.teamwork import teams
from milequest.services.walkers import account_deletion, walker_stats
from milequest.services.walks import activities, activity_kinds, activity_reviews
from tests.factories import add_member, log, make_journey, make_route, make_team
from tests.services.test_counters_concurrency import run_together
from workers.aggregation import reconcile_counters

LONG_WAY = [(-5.7132, 50.0657), (-3.0690, 58.6440)]  # about 970 km: nobody finishes
ONE_TO_ONE = ("walk", "run", "hike", "wheelchair")


def a_member_on_a_journey():
    team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    return journey, add_member(team).user


def stored_counters(journey, walker) -> tuple:
    db.session.expire_all()
    contribution = db.session.get(JourneyContribution, (journey.id, walker.id))
    walker_days = db.session.scalar(
        select(func.coalesce(func.sum(WalkerDay.distance_m), 0)).where(
            WalkerDay.user_id == walker.id
        )
    )
    return (
        db.session.get(Journey, journey.id).distance_m,
        (contribution.distance_m, contribution.active_days) if contribution else (0, 0),
        walker_days,
    )


def badge_keys(walker) -> set[tuple[str, str]]:
    return {(b.kind, b.key) for b in badges.shown(walker.id)}


def no_drift() -> bool:
    return all(rows == [] for rows in counters.find_drift().values())


def edit(activity, km: str, kind: str):
    walker = activity.user
    today = activities.today_for(walker)
    data = activities.ActivityInput(Decimal(km) * 1000, today, kind)
    return activities.edit_activity(activity, data, today)


def test_the_table_has_every_kind_and_a_source_beside_every_converted_factor():
    table = activity_kinds.table()

    assert tuple(table) == KINDS
    assert all(table[kind].factor == 1 for kind in ONE_TO_ONE)
    for kind in table.values():  # what activities.count_factor, NUMERIC(5, 4), stores exactly
        assert 0 < kind.factor < 10 and kind.factor == kind.factor.quantize(Decimal("0.0001"))
    converted = [k for k in table.values() if k.converted]
    assert {k.kind for k in converted} == {"cycle", "swim", "row"}
    for kind in converted:
        assert kind.sources and all(s.url.startswith("http") and s.says for s in kind.sources)
        assert not kind.steps


@pytest.mark.parametrize(
    ("distance_m", "factor"),
    [
        ("30000", "0.3333"),
        ("1234.567", "0.3333"),
        ("0.015", "0.3333"),
        ("1.005", "0.5"),
        ("7", "3"),
    ],
)
def test_one_activitys_counted_distance_is_the_sums_formula(distance_m, factor):
    one_row = (
        "(SELECT CAST(:d AS numeric(12, 3)) AS distance_m,"
        " CAST(:f AS numeric(5, 4)) AS count_factor) AS a"
    )
    in_sql = db.session.scalar(
        text(f"SELECT {COUNTED_SQL} FROM {one_row}"),
        {"d": distance_m, "f": factor},
    )
    assert counted(Decimal(distance_m), Decimal(factor)) == in_sql


def test_mixed_kinds_count_their_converted_distance_in_every_counter():
    journey, walker = a_member_on_a_journey()

    for km, kind in (("2", "walk"), ("12", "cycle"), ("1", "swim"), ("5", "row"), ("3", "run")):
        log(walker, float(km), kind=kind)

    counted = Decimal("2000") + Decimal("3999.600") + Decimal("3000") + Decimal("4000") + 3000
    assert stored_counters(journey, walker) == (counted, (counted, 1), counted)
    assert no_drift()
    stats = walker_stats.stats(walker, activities.today_for(walker))
    assert stats.this_week_m == stats.all_time_m == counted  # the weekly goal reads it too


def test_a_converted_walk_tells_the_team_both_distances():
    journey, walker = a_member_on_a_journey()

    cycled = log(walker, 12, kind="cycle")

    assert (cycled.distance_m, cycled.counted_m) == (Decimal("12000.000"), Decimal("3999.600"))
    event = db.session.scalar(
        select(TeamEvent).where(
            TeamEvent.team_id == journey.team_id, TeamEvent.kind == "activity_logged"
        )
    )
    assert event.data["distance_m"] == 12000.0 and event.data["counted_m"] == 3999.6


def test_a_walk_tells_no_counted_distance_of_its_own():
    _journey, walker = a_member_on_a_journey()

    log(walker, 2)

    event = db.session.scalar(select(TeamEvent).where(TeamEvent.kind == "activity_logged"))
    assert "counted_m" not in event.data


def test_badges_count_the_converted_distance():
    _journey, walker = a_member_on_a_journey()

    log(walker, 3, kind="swim")  # counts 9 km: no 10 km badge yet
    assert ("distance", "10000") not in badge_keys(walker)

    log(walker, 0.5, kind="swim")  # 10.5 km counted

    assert ("distance", "10000") in badge_keys(walker)


def test_editing_and_deleting_a_cycle_restores_every_counter_exactly():
    journey, walker = a_member_on_a_journey()
    log(walker, 1.234)
    before = stored_counters(journey, walker)

    cycled = log(walker, 7.777, kind="cycle")
    edit(cycled, "31.3", "cycle")
    assert stored_counters(journey, walker)[0] == before[0] + Decimal("10432.290")
    edit(cycled, "4.1", "swim")
    assert stored_counters(journey, walker)[0] == before[0] + Decimal("12300")
    activities.delete_activity(cycled)

    assert stored_counters(journey, walker) == before
    assert no_drift()


def test_a_change_to_the_table_never_rewrites_what_was_counted(monkeypatch):
    journey, walker = a_member_on_a_journey()
    cycled = log(walker, 9, kind="cycle")
    new_table = dict(activity_kinds.table())
    new_table["cycle"] = activity_kinds.Kind("cycle", "Cycle", Decimal("0.5"), False, ())
    monkeypatch.setattr(activity_kinds, "table", lambda: new_table)

    edit(cycled, "12", "cycle")  # the same kind keeps the factor it was logged with
    cycled_later = log(walker, 12, kind="cycle")

    assert (cycled.count_factor, cycled.counted_m) == (Decimal("0.3333"), Decimal("3999.600"))
    assert (cycled_later.count_factor, cycled_later.counted_m) == (Decimal("0.5"), 6000)
    edit(cycled, "12", "row")
    edit(cycled, "12", "cycle")  # a new kind takes today's factor of that kind
    assert cycled.counted_m == Decimal("6000")
    assert stored_counters(journey, walker)[0] == Decimal("12000")
    assert no_drift()


def test_steps_are_refused_for_a_kind_not_on_foot():
    _journey, walker = a_member_on_a_journey()
    today = activities.today_for(walker)
    data = activities.ActivityInput(Decimal("7600"), today, "cycle", steps=10_000)

    with pytest.raises(activities.ActivityInvalid) as refused:
        activities.log_activity(walker, uuid.uuid4(), data, today)

    assert refused.value.problems == {
        "kind": "Steps are for activities on foot: log a cycle in km or miles."
    }


def test_a_walk_the_release_before_inserts_counts_its_distance():
    """The release before writes no count_factor: the server default (1) counts it as before."""
    journey, walker = a_member_on_a_journey()
    db.session.execute(
        text("""
            INSERT INTO activities (user_id, client_id, kind, distance_m, activity_date,
                                    created_at, updated_at)
            VALUES (:user_id, :client_id, 'walk', 2500.5, :day, now(), now())
        """),
        {"user_id": walker.id, "client_id": uuid.uuid4(), "day": date.today()},
    )

    old = db.session.scalar(select(Activity).where(Activity.user_id == walker.id))

    assert (old.count_factor, old.counted_m) == (1, Decimal("2500.500"))
    drift = counters.find_drift()
    assert [row["delta"] for row in drift["journeys"]] == [Decimal("2500.500")]
    counters.repair(drift)
    assert stored_counters(journey, walker)[0] == Decimal("2500.500") and no_drift()


def cycling_job(user_id: int, km: str, client_id: uuid.UUID):
    def job():
        walker = db.session.get(User, user_id)
        today = activities.today_for(walker)
        data = activities.ActivityInput(Decimal(km) * 1000, today, "cycle")
        activities.log_activity(walker, client_id, data, today)

    return job


@pytest.mark.committing
def test_the_same_cycle_sent_twice_at_once_counts_once(app):
    journey, walker = a_member_on_a_journey()
    db.session.commit()
    client_id = uuid.uuid4()

    errors = run_together(app, [cycling_job(walker.id, "30", client_id) for _ in range(2)])

    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1
    assert db.session.get(Journey, journey.id).distance_m == Decimal("9999.000")
    assert no_drift()


@pytest.mark.committing
def test_reconcile_repairs_drift_to_the_converted_sums(app):
    journey, walker = a_member_on_a_journey()
    db.session.commit()
    cycling_job(walker.id, "12", uuid.uuid4())()
    log(walker, 1, kind="swim")
    db.session.commit()
    db.session.execute(text("UPDATE journeys SET distance_m = distance_m + 8000"))
    db.session.execute(text("UPDATE journey_contributions SET distance_m = 15000"))
    db.session.execute(text("DELETE FROM walker_days"))
    db.session.commit()

    found = reconcile_counters()

    assert found == {
        "journey_member_days": 0,
        "journey_contributions": 1,
        "journeys": 1,
        "walker_days": 1,
    }
    assert stored_counters(journey, walker) == (
        Decimal("6999.600"),
        (Decimal("6999.600"), 1),
        Decimal("6999.600"),
    )


def test_a_held_ride_counts_its_converted_distance_once_approved():
    journey, walker = a_member_on_a_journey()
    team = db.session.get(Team, journey.team_id)
    held = log(walker, 50, kind="cycle", duration_s=3600)  # 50 km/h: possible, unlikely
    assert held.review_status == "held" and stored_counters(journey, walker)[0] == 0

    activity_reviews.review(held.id, team, team.created_by, approve=True)

    assert stored_counters(journey, walker)[0] == Decimal("16665.000")
    event = db.session.scalar(select(TeamEvent).where(TeamEvent.kind == "activity_approved"))
    assert event.data["counted_m"] == 16665.0
    assert no_drift()


def test_a_deleted_account_takes_back_what_its_rides_counted():
    journey, walker = a_member_on_a_journey()
    other = add_member(db.session.get(Team, journey.team_id)).user
    log(other, 2)
    log(walker, 12, kind="cycle")
    log(walker, 1, kind="swim")
    walker.deletion_due_at = utcnow() - timedelta(seconds=1)  # asked for a week ago
    db.session.flush()

    assert account_deletion.delete_account(walker.id) is True

    db.session.expire_all()
    assert db.session.get(Journey, journey.id).distance_m == Decimal("2000.000")
    assert no_drift()


def test_a_walk_for_a_team_left_cannot_become_a_kind_that_counts_more():
    journey, walker = a_member_on_a_journey()
    walked = log(walker, 2)
    teams.leave_team(db.session.get(Team, journey.team_id), walker)

    with pytest.raises(activities.ActivityInvalid) as refused:
        edit(walked, "2", "swim")  # 6 km counted instead of 2
    edit(walked, "2", "cycle")  # counts less: allowed

    assert "not more" in refused.value.problems["distance"]
    assert stored_counters(journey, walker)[0] == Decimal("666.600")
