from milequest.extensions import db
from milequest.models import User
from tests.factories import make_user
from tests.helpers import log_in, post_form


def test_profile_saves_name_units_and_time_zone(client):
    user = make_user()
    log_in(client, user)

    response = post_form(
        client,
        "/profile",
        {"display_name": "Ann", "units": "mi", "timezone": "Europe/Paris"},
        token_page="/profile",
    )

    assert response.status_code == 303
    saved = db.session.get(User, user.id)
    assert (saved.display_name, saved.units, saved.timezone) == ("Ann", "mi", "Europe/Paris")


def test_profile_refuses_unknown_units_and_time_zones(client):
    user = make_user()
    log_in(client, user)

    response = post_form(
        client,
        "/profile",
        {"display_name": "Ann", "units": "furlongs", "timezone": "Mars/Olympus"},
        token_page="/profile",
    )

    assert response.status_code == 422
    saved = db.session.get(User, user.id)
    assert (saved.units, saved.timezone) == ("km", "UTC")
