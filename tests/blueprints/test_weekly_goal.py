"""The weekly goal on the profile (in the walker's units, no JavaScript needed), its progress on
the dashboard, and badges on the profile and in the team feed."""

from milequest.extensions import db
from milequest.models import User
from tests.factories import add_member, log, make_team, make_user
from tests.helpers import log_in, post_form

PROFILE = {"display_name": "Ann", "units": "mi", "timezone": "UTC"}


def test_a_goal_set_in_miles_shows_its_progress_on_the_dashboard(client):
    walker = make_user()
    log(walker, 4.828032)  # 3 miles
    log_in(client, walker)

    saved = post_form(client, "/profile", {**PROFILE, "weekly_goal": "5"}, token_page="/profile")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    profile = client.get("/profile").get_data(as_text=True)

    assert saved.status_code == 303
    assert db.session.get(User, walker.id).weekly_goal_m == 8047  # 5 miles in metres
    assert "3.0 mi of 5.0 mi: 2.0 mi to go" in dashboard
    assert 'value="60"' in dashboard  # the progress bar
    assert 'value="5.0"' in profile  # shown back in miles


def test_a_goal_out_of_range_is_refused_in_the_walkers_units_and_empty_clears_it(client):
    walker = make_user(weekly_goal_m=10_000)
    log_in(client, walker)

    refused = post_form(
        client, "/profile", {**PROFILE, "weekly_goal": "900"}, token_page="/profile"
    )
    cleared = post_form(client, "/profile", {**PROFILE, "weekly_goal": ""}, token_page="/profile")

    assert refused.status_code == 422
    assert "Enter a weekly goal from 0.1 to 621 miles, or leave it empty." in refused.get_data(
        as_text=True
    )
    assert cleared.status_code == 303
    assert db.session.get(User, walker.id).weekly_goal_m is None
    assert "Set a weekly goal" in client.get("/dashboard").get_data(as_text=True)


def test_badges_show_on_the_profile_and_in_the_team_feed(client):
    team = make_team()
    walker = add_member(team).user
    log(walker, 11)
    log_in(client, walker)

    profile = client.get("/profile").get_data(as_text=True)
    team_page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "First walk" in profile and "10 km walked" in profile
    assert f"{walker.display_name} earned a badge: First walk" in team_page
    assert f"{walker.display_name} earned a badge: 10 km walked" in team_page
