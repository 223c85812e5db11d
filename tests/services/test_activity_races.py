"""Two changes to one activity at the same moment leave the state one of them would: the counters
always equal the counting rule's sums, whatever the interleaving (real threads, real PostgreSQL).
"""

import random
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from milequest.extensions import db
from milequest.models import Activity, Journey, Membership, Route, Team, TeamEvent, User
from milequest.services.core import counters
from milequest.services.journeying import journeys
from milequest.services.teamwork import leaderboards
from milequest.services.teamwork import teams as team_service
from milequest.services.walks import activities, activity_reviews
from tests.factories import add_member, log, make_journey, make_route, make_team, make_user
from tests.services.test_counters_concurrency import run_together

LONG_WAY = [(-5.7132, 50.0657), (-3.0690, 58.6440)]  # about 970 km: nobody finishes


def _walk(walker: User, km: str, *, minutes: int | None = None) -> activities.ActivityInput:
    today = activities.today_for(walker)
    return activities.ActivityInput(Decimal(km) * 1000, today, "walk", minutes and minutes * 60)


def _log_now(walker_id: int, km: str) -> None:
    walker = db.session.get(User, walker_id)
    activities.log_activity(walker, uuid.uuid4(), _walk(walker, km), activities.today_for(walker))


def _one_walker_on_a_journey(km: float = 1, **log_fields):
    team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    walker = add_member(team).user
    activity = log(walker, km, **log_fields)
    db.session.commit()
    return team, journey, walker, activity.id


def _journey_total(journey_id: int) -> Decimal:
    db.session.expire_all()
    return db.session.get(Journey, journey_id).distance_m


def _assert_no_drift() -> None:
    db.session.expire_all()
    assert counters.find_drift() == {table: [] for table in counters.find_drift()}


def _each_loaded_first(activity_id: int, *changes):
    """Jobs that each read the activity before any of them changes it, as parallel requests do."""
    loaded = threading.Barrier(len(changes))

    def job_for(change):
        def job():
            activity = db.session.get(Activity, activity_id)
            loaded.wait(timeout=30)
            change(activity)

        return job

    return [job_for(change) for change in changes]


@pytest.mark.committing
def test_a_double_sent_delete_takes_the_walk_off_once(app):
    _team, journey, _walker, activity_id = _one_walker_on_a_journey(1)

    errors = run_together(
        app, _each_loaded_first(activity_id, activities.delete_activity, activities.delete_activity)
    )

    assert [type(e) for e in errors] == [activities.ActivityGone]
    assert _journey_total(journey.id) == 0
    _assert_no_drift()


@pytest.mark.committing
def test_a_double_sent_edit_moves_the_total_once(app):
    _team, journey, _walker, activity_id = _one_walker_on_a_journey(1)

    def edit(activity):
        walker = activity.user
        activities.edit_activity(activity, _walk(walker, "3"), activities.today_for(walker))

    errors = run_together(app, _each_loaded_first(activity_id, edit, edit))

    assert errors == []
    assert _journey_total(journey.id) == Decimal("3000.000")
    _assert_no_drift()


@pytest.mark.committing
def test_an_approval_while_the_walker_edits_counts_the_edited_walk_once(app):
    team, journey, _walker, activity_id = _one_walker_on_a_journey(5, duration_s=30 * 60)
    team_id, captain_id = team.id, team.created_by_id
    assert db.session.get(Activity, activity_id).review_status == "held"  # 10 km/h walk

    def edit(activity):
        walker = activity.user
        data = _walk(walker, "6", minutes=60)
        activities.edit_activity(activity, data, activities.today_for(walker))

    approved = threading.Event()

    def approve_first():
        team_now, captain_now = db.session.get(Team, team_id), db.session.get(User, captain_id)
        activity_reviews.review(activity_id, team_now, captain_now, True)
        db.session.commit()
        approved.set()

    def edit_after_reading_it_held(activity):
        approved.wait(timeout=30)  # the page was read before the approval, sent after it
        edit(activity)

    errors = run_together(
        app, [approve_first, *_each_loaded_first(activity_id, edit_after_reading_it_held)]
    )

    assert errors == []
    db.session.expire_all()
    activity = db.session.get(Activity, activity_id)
    assert (activity.distance_m, activity.review_status) == (Decimal("6000.000"), "ok")
    assert _journey_total(journey.id) == Decimal("6000.000")
    _assert_no_drift()


@pytest.mark.committing
def test_a_walk_logged_while_its_walker_joins_counts_once(app):
    team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    walker_id, team_id = make_user().id, team.id
    db.session.commit()

    def join():
        walker = db.session.get(User, walker_id)
        team_service.join_team(db.session.get(Team, team_id), walker, via="test")

    assert run_together(app, [join, lambda: _log_now(walker_id, "2")]) == []

    assert _journey_total(journey.id) == Decimal("2000.000")  # today's walk, joined today
    _assert_no_drift()


@pytest.mark.committing
def test_a_journey_started_after_a_walk_today_counts_it_at_once(app):
    team = make_team()
    walker = add_member(team).user
    log(walker, 2.5)
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    db.session.commit()

    assert _journey_total(journey.id) == Decimal("2500.000")
    _assert_no_drift()


@pytest.mark.committing
def test_a_walk_logged_while_the_journey_starts_counts_once(app):
    team = make_team()
    walker_id, team_id = add_member(team).user_id, team.id
    route_id = make_route(team.created_by, LONG_WAY).id
    db.session.commit()

    def start():
        team_now = db.session.get(Team, team_id)
        captain = team_now.created_by
        route = db.session.get(Route, route_id)
        journeys.start_journey(team_now, route, captain, activities.today_for(captain))

    assert run_together(app, [start, lambda: _log_now(walker_id, "2")]) == []

    journey_id = db.session.scalar(select(Journey.id).where(Journey.team_id == team_id))
    assert _journey_total(journey_id) == Decimal("2000.000")
    _assert_no_drift()


def test_a_removed_member_adds_nothing_after_removal_and_stays_on_the_leaderboard(app):
    team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    stayer, leaver = add_member(team).user, add_member(team).user
    log(stayer, 3)
    before_removal = log(leaver, 2)
    team_service.leave_team(team, leaver, removed_by=team.created_by)

    log(leaver, 4)  # dated the day of the removal, logged after it
    with pytest.raises(activities.ActivityInvalid, match="team you have left"):
        activities.edit_activity(before_removal, _walk(leaver, "200"), journey.started_on)

    db.session.refresh(journey)
    assert journey.distance_m == Decimal("5000.000")
    board = leaderboards.leaderboard(journey)
    assert [(s.user, s.distance_m, s.is_former) for s in board] == [
        (stayer, Decimal("3000.000"), False),
        (leaver, Decimal("2000.000"), True),
        (team.created_by, Decimal(0), False),
    ]
    assert sum(s.distance_m for s in board) == journey.distance_m
    _assert_no_drift()


def test_a_walker_who_left_still_counts_what_they_log_for_that_day(app):
    team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    leaver = add_member(team).user
    team_service.leave_team(team, leaver)

    log(leaver, 4)  # walked before leaving, synced from the phone after it

    db.session.refresh(journey)
    assert journey.distance_m == Decimal("4000.000")
    _assert_no_drift()


@pytest.mark.committing
def test_random_interleavings_of_every_change_keep_counters_equal_to_the_rule(app):
    team = make_team(limit=20)
    other_team = make_team()
    journey = make_journey(team, make_route(team.created_by, LONG_WAY))
    make_journey(other_team, make_route(other_team.created_by, LONG_WAY))
    walkers = [add_member(team).user for _ in range(4)]
    for walker in walkers[:2]:
        add_member(other_team, walker)
    week_ago = journey.started_on - timedelta(days=7)
    db.session.execute(update(Journey).values(started_on=week_ago))
    db.session.execute(update(Membership).values(joined_on=week_ago))
    db.session.commit()
    ids = {"team": team.id, "captain": team.created_by_id}

    jobs = [_random_changes(ids, walker.id, seed) for seed, walker in enumerate(walkers * 2)] + [
        _random_reviews(ids, seed=99)
    ]
    errors = run_together(app, jobs)

    assert [repr(e) for e in errors] == []
    _assert_no_drift()
    db.session.expire_all()
    board = leaderboards.leaderboard(db.session.get(Journey, journey.id))
    assert sum(s.distance_m for s in board) == _journey_total(journey.id)
    assert db.session.scalar(select(TeamEvent.id).limit(1)) is not None


# Refusals a walker can meet here: a walk deleted from the other tab, a walk grown for a team left.
EXPECTED = (activities.ActivityGone, activities.ActivityInvalid, team_service.TeamError)


def _random_changes(ids: dict, walker_id: int, seed: int, steps: int = 25):
    """A walker's phone and tabs: logs, edits, deletes, leaves and rejoins, in random order."""
    rng = random.Random(seed)

    def job():
        db.session.commit()  # run_together's barrier: from here on, each step commits
        for _ in range(steps):
            try:
                _random_step(rng, ids, db.session.get(User, walker_id))
                db.session.commit()
            except EXPECTED:
                db.session.rollback()

    return job


def _random_step(rng: random.Random, ids: dict, walker: User) -> None:
    today = activities.today_for(walker)
    km = f"{rng.uniform(0.5, 3.9):.3f}"  # at most 11.7 km/h in 20 minutes: never refused
    data = activities.ActivityInput(
        Decimal(km) * 1000,
        today - timedelta(days=rng.randint(0, 5)),
        "walk",
        rng.choice([None, 3600, 20 * 60]),  # 20 minutes makes most walks held
    )
    own = db.session.scalars(select(Activity).where(Activity.user_id == walker.id)).all()
    action = rng.choice(["log", "log", "edit", "delete", "leave"] if own else ["log"])
    team = db.session.get(Team, ids["team"])
    if action == "log":
        activities.log_activity(walker, uuid.uuid4(), data, today)
    elif action == "edit":
        activities.edit_activity(rng.choice(own), data, today)
    elif action == "delete":
        activities.delete_activity(rng.choice(own))
    elif team_service.is_member(team, walker):
        team_service.leave_team(team, walker)
    else:
        team_service.join_team(team, walker, via="test")


def _random_reviews(ids: dict, *, seed: int, rounds: int = 40):
    rng = random.Random(seed)

    def job():
        db.session.commit()
        for _ in range(rounds):
            team = db.session.get(Team, ids["team"])
            held = activity_reviews.held_for_team(team)
            if held:
                captain = db.session.get(User, ids["captain"])
                try:
                    activity_reviews.review(rng.choice(held).id, team, captain, rng.random() < 0.7)
                    db.session.commit()
                except activity_reviews.ReviewRefused:
                    db.session.rollback()
            else:
                db.session.rollback()
                threading.Event().wait(0.01)  # nothing held yet: let the walkers log some

    return job
