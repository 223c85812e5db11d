"""Passing a milestone makes a postcard in the same transaction; each member sees it once."""

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Membership, Postcard, PostcardView, TeamEvent
from milequest.services.core import team_events
from milequest.services.journeying import postcards
from milequest.services.walks import activities
from tests.factories import add_member, log, make_journey, make_team, make_user


def _team_on_the_way():
    team = make_team()
    journey = make_journey(team)
    walker = add_member(team).user
    return team, journey, walker


def test_crossing_a_milestone_makes_a_postcard_with_the_moment_and_who_did_it():
    _team, journey, walker = _team_on_the_way()

    log(walker, 6)  # Point 2 is ~5.6 km along

    (postcard,) = db.session.scalars(select(Postcard).where(Postcard.journey_id == journey.id))
    event = db.session.get(TeamEvent, postcard.event_id)
    assert event.kind == "milestone_reached" and event.data["waypoint"] == "Point 2"
    assert postcard.place_name == "Point 2"
    assert (postcard.days, postcard.walkers, float(postcard.distance_m)) == (1, 1, 6000.0)
    assert postcard.crossed_by_id == walker.id
    assert postcards.for_event(event.id) == postcard


def test_a_postcards_day_number_counts_the_crossers_local_dates(monkeypatch):
    team = make_team()
    journey = make_journey(team)
    walker = add_member(team, make_user(timezone="Pacific/Kiritimati")).user  # UTC+14
    journey.started_on = date(2026, 11, 29)
    event = team_events.record(team.id, "milestone_reached", actor=walker, waypoint="Point 2")
    # 20:00 UTC on 30 November is 10:00 on 1 December in Kiritimati: the journey's third day.
    monkeypatch.setattr(postcards, "utcnow", lambda: datetime(2026, 11, 30, 20, 0, tzinfo=UTC))

    postcard = postcards.make_postcard(journey, journey.route.waypoints[1], event, walker)

    assert postcard.days == 3


def test_a_walk_short_of_the_milestone_makes_none_and_passing_it_again_makes_no_second():
    _team, journey, walker = _team_on_the_way()
    log(walker, 2)
    assert postcards.of_journey(journey) == []

    walk = log(walker, 4)
    activities.delete_activity(walk)  # back below the milestone...
    log(walker, 5)  # ...and past it again

    assert [p.place_name for p in postcards.of_journey(journey)] == ["Point 2"]


def test_each_member_is_shown_a_postcard_once_and_newcomers_not_at_all():
    team, _journey, walker = _team_on_the_way()
    log(walker, 6)
    newcomer = add_member(team)
    walker_membership = db.session.scalar(
        select(Membership).where(Membership.team_id == team.id, Membership.user_id == walker.id)
    )

    assert [p.place_name for p in postcards.show_unseen(walker_membership)] == ["Point 2"]
    assert postcards.show_unseen(walker_membership) == []
    assert postcards.show_unseen(newcomer) == []


@pytest.mark.committing
def test_two_dismissals_at_once_leave_one_seen_row(app):
    """Real threads, real commits: the second insert meets the first and changes nothing."""
    _team, journey, walker = _team_on_the_way()
    log(walker, 6)
    db.session.commit()
    postcard_id = postcards.of_journey(journey)[0].id
    barrier = threading.Barrier(2)
    errors = []

    def dismiss():
        with app.app_context():
            try:
                postcard = db.session.get(Postcard, postcard_id)
                barrier.wait(timeout=10)
                postcards.mark_seen(postcard, walker.id)
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=dismiss) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    seen = db.session.scalar(
        select(func.count()).select_from(PostcardView).where(PostcardView.user_id == walker.id)
    )
    assert seen == 1
