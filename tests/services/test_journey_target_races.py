"""The captain's target date under concurrency: a double submit, and a target set while the
journey is abandoned."""

from datetime import date, timedelta

import pytest

from milequest.extensions import db
from milequest.models import Journey, Team, User
from milequest.services.journeying import journeys
from tests.factories import make_journey
from tests.services.test_team_races import race

TARGET = date.today() + timedelta(days=30)


def set_target(journey_id: int):
    return lambda: journeys.set_target_date(
        db.session.get(Journey, journey_id), TARGET, date.today()
    )


@pytest.mark.committing
def test_a_target_date_submitted_twice_at_once_is_set_once(app):
    journey = make_journey()
    db.session.commit()

    assert race(app, set_target(journey.id), set_target(journey.id)) == ["won", "won"]

    db.session.expire_all()
    assert db.session.get(Journey, journey.id).target_date == TARGET


@pytest.mark.committing
@pytest.mark.parametrize("attempt", range(3))
def test_a_target_set_while_the_journey_is_abandoned_never_lands_after_the_end(app, attempt):
    journey = make_journey()
    captain_id = db.session.get(Team, journey.team_id).created_by_id
    db.session.commit()

    def abandon():
        journeys.abandon_journey(
            db.session.get(Journey, journey.id), db.session.get(User, captain_id)
        )

    results = race(app, set_target(journey.id), abandon)

    db.session.expire_all()
    stored = db.session.get(Journey, journey.id)
    assert stored.status == "abandoned"
    # Either the target came first (then the journey was abandoned with it), or it was refused.
    assert (results, stored.target_date) in (
        (["won", "won"], TARGET),
        (["JourneyError", "won"], None),
    )
