"""The bench data generator at a tiny scale, on the real PostGIS, in the test's transaction."""

from datetime import date

from sqlalchemy import func, select

from bench import datagen
from milequest.extensions import db
from milequest.models import Activity, Journey, Membership, Team, User
from milequest.services.atlas import catalog
from milequest.services.core import counters
from tests.helpers import log_in

TINY = datagen.Scale(walkers=40, teams=8, activities=3_000, days=60)


def generate_tiny() -> dict[str, int]:
    for slug in ("west-highland-way", "hadrians-wall-path"):
        catalog.load_entry(next(e for e in catalog.catalog_entries() if e["slug"] == slug))
    db.session.flush()
    cursor = db.session.connection().connection.driver_connection.cursor()
    return datagen.generate(cursor, TINY, date.today(), log=lambda message: None)


def test_the_generated_counters_agree_with_the_raw_activities():
    counts = generate_tiny()

    assert counts["users"] == 40 and counts["teams"] == 8 and counts["activities"] == 3_000
    assert counters.find_drift() == {table: [] for table in counters._DRIFT}
    assert db.session.scalar(select(func.sum(Journey.distance_m))) > 0
    cursor = db.session.connection().connection.driver_connection.cursor()
    assert datagen.loaded_scale(cursor) == datagen.Scale(40, 8, 3_000)


def test_every_team_has_a_captain_seats_counted_and_at_most_one_journey_under_way():
    generate_tiny()

    for team in db.session.scalars(select(Team)):
        members = db.session.scalars(select(Membership).where(Membership.team_id == team.id))
        roles = [m.role for m in members]
        assert len(roles) == team.member_count >= 2 and roles.count("captain") == 1
        journeys = list(db.session.scalars(select(Journey).where(Journey.team_id == team.id)))
        active = [j for j in journeys if j.status == "active"]
        assert len(active) <= 1 and all(j.distance_m < j.route.length_m for j in active)
        done = [j for j in journeys if j.status == "completed"]
        assert all(j.distance_m >= j.route.length_m for j in done)


def test_activities_spread_over_the_days_and_walkers_can_log_in(client):
    generate_tiny()
    first, last = db.session.execute(
        select(func.min(Activity.activity_date), func.max(Activity.activity_date))
    ).one()
    assert (last - first).days >= 50 and last < date.today()
    walker = db.session.scalar(select(User).where(User.email == datagen.email(7)))

    response = log_in(client, walker, datagen.PASSWORD)

    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 200
