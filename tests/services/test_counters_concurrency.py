"""Counters stay exact when many walkers log at once, and the reconcile repairs drift."""

import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from milequest.extensions import db
from milequest.models import Activity, Journey, JourneyContribution, User
from milequest.services.core import counters
from milequest.services.walks import activities
from tests.factories import add_member, make_journey, make_route, make_team
from tests.helpers import hold_until_another_session_waits
from workers.aggregation import reconcile_counters


def run_together(app, jobs) -> list[Exception]:
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                job()
                db.session.commit()
            except Exception as error:  # collected: the test shows them all
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def logging_job(user_id: int, km: str, client_id: uuid.UUID):
    def job():
        walker = db.session.get(User, user_id)
        data = activities.ActivityInput(Decimal(km) * 1000, date.today(), "walk")
        activities.log_activity(walker, client_id, data, date.today())

    return job


@pytest.mark.committing
def test_fifty_walkers_logging_at_once_keep_counters_exact(app):
    team = make_team(limit=60)
    long_way = make_route(team.created_by, [(-5.7132, 50.0657), (-3.0690, 58.6440)])
    journey = make_journey(team, long_way)  # about 970 km: nobody reaches the end
    walkers = [add_member(team).user for _ in range(50)]
    db.session.commit()
    amounts = [f"{1 + n * 0.137:.3f}" for n in range(50)]

    errors = run_together(
        app, [logging_job(w.id, km, uuid.uuid4()) for w, km in zip(walkers, amounts, strict=True)]
    )

    assert errors == []
    db.session.expire_all()
    raw_total = db.session.scalar(select(func.sum(Activity.distance_m)))
    assert raw_total == sum(Decimal(km) * 1000 for km in amounts)
    assert db.session.get(Journey, journey.id).distance_m == raw_total
    per_member = db.session.scalars(
        select(JourneyContribution.distance_m).where(JourneyContribution.journey_id == journey.id)
    ).all()
    assert sorted(per_member) == sorted(Decimal(km) * 1000 for km in amounts)


@pytest.mark.committing
def test_the_same_client_id_from_two_threads_is_one_activity(app):
    journey = make_journey()
    walker = add_member(_team(journey)).user
    db.session.commit()
    client_id = uuid.uuid4()

    errors = run_together(app, [logging_job(walker.id, "2", client_id) for _ in range(2)])

    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1
    assert db.session.get(Journey, journey.id).distance_m == Decimal("2000.000")


@pytest.mark.committing
def test_reconcile_detects_and_repairs_injected_drift(app):
    journey = make_journey()
    walker = add_member(_team(journey)).user
    db.session.commit()
    logging_job(walker.id, "3.5", uuid.uuid4())()
    db.session.commit()
    db.session.execute(text("UPDATE journeys SET distance_m = distance_m + 999"))
    db.session.execute(text("UPDATE journey_contributions SET active_days = 7"))
    db.session.execute(text("DELETE FROM walker_days"))
    db.session.commit()

    found = reconcile_counters()

    assert found == {
        "journey_member_days": 0,
        "journey_contributions": 1,
        "journeys": 1,
        "walker_days": 1,
    }
    assert reconcile_counters() == dict.fromkeys(found, 0)
    db.session.expire_all()
    assert db.session.get(Journey, journey.id).distance_m == Decimal("3500.000")
    contribution = db.session.get(JourneyContribution, (journey.id, walker.id))
    assert (contribution.distance_m, contribution.active_days) == (Decimal("3500.000"), 1)


def _team(journey):
    from milequest.models import Team

    return db.session.get(Team, journey.team_id)


@pytest.mark.committing
def test_a_walk_logged_while_another_completes_the_journey_leaves_no_drift(app):
    team = make_team()
    journey = make_journey(team)  # about 11 km
    finisher, other = add_member(team).user, add_member(team).user
    db.session.commit()
    finished = threading.Event()

    def finish():  # completes the journey, then holds its transaction open for the other walk
        logging_job(finisher.id, "12", uuid.uuid4())()
        finished.set()
        hold_until_another_session_waits()

    def log_meanwhile():  # sees the journey still active, then waits on its row lock
        finished.wait(timeout=10)
        logging_job(other.id, "1", uuid.uuid4())()

    errors = run_together(app, [finish, log_meanwhile])

    assert errors == []
    db.session.expire_all()
    assert db.session.get(Journey, journey.id).status == "completed"
    assert all(rows == [] for rows in counters.find_drift().values())
