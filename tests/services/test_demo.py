from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity, Team, User
from milequest.services import demo
from milequest.services.teamwork import teams


def test_demo_data_loads_once():
    user, created = demo.load_demo_data()
    again, created_again = demo.load_demo_data()

    assert (created, created_again) == (True, False)
    assert again.id == user.id
    assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1
    [team] = teams.teams_for(user)
    assert team.member_count == 3


def test_the_demo_login_printed_by_make_run_works(client):
    from tests.helpers import post_form

    demo.load_demo_data()
    response = post_form(
        client, "/login", {"email": demo.DEMO_EMAIL, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 303


def test_demo_team_walks_a_catalog_route_when_the_catalog_is_loaded():
    from milequest.services.atlas import catalog
    from milequest.services.journeying import journeys

    [entry] = [e for e in catalog.catalog_entries() if e["slug"] == demo.DEMO_ROUTE]
    catalog.load_entry(entry)

    user, _ = demo.load_demo_data()
    [team] = teams.teams_for(user)
    journey = journeys.active_journey(team)

    assert journey.route.slug == demo.DEMO_ROUTE
    assert 10 < journeys.progress(journey).percent < 100  # moved by the demo walks
    walks = db.session.scalar(select(func.count()).select_from(Activity))
    assert walks > 40

    demo.load_demo_data()

    assert journeys.active_journey(team) == journey
    assert db.session.scalar(select(func.count()).select_from(Activity)) == walks
