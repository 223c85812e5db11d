"""Choosing a journey: route cards with length, tiny map and the team's pace; and starting a
journey from a route's own page."""

import re
from datetime import timedelta

from milequest.extensions import db
from milequest.models.base import utcnow
from milequest.services.journeying import journeys
from milequest.services.teamwork import teams
from milequest.services.walks import activities
from tests.factories import (
    SHORT_WALK,
    add_member,
    log,
    make_journey,
    make_route,
    make_team,
    make_user,
)
from tests.helpers import post_form, sign_in_as

LONG_WAY = [(-5.7132, 50.0657), (-3.1883, 55.9533), (-3.0690, 58.6440)]


def choice_page(client, team) -> str:
    return client.get(f"/teams/{team.id}/journeys/").get_data(as_text=True)


def test_each_route_is_a_card_with_its_length_in_the_captains_units_and_none_is_chosen(client):
    captain = make_user(units="mi")
    team = make_team(captain)
    make_route(captain, SHORT_WALK, name="Border Stroll")
    make_route(captain, LONG_WAY, name="Length of Britain")
    sign_in_as(client, captain)

    page = choice_page(client, team)

    cards = {
        re.search(r'card__name">([^<]+)<', c).group(1): c
        for c in re.findall(r'<label class="route-card">.*?</label>', page, re.S)
    }
    assert sorted(cards) == ["Border Stroll", "Length of Britain"]
    assert all('type="radio"' in c and '<svg class="route-thumb"' in c for c in cards.values())
    assert all(len(re.search(r"<svg.*?</svg>", c, re.S).group()) < 1_000 for c in cards.values())
    assert "6.9 mi" in cards["Border Stroll"]
    assert re.search(r"6\d\d\.\d mi", cards["Length of Britain"])
    start_form = re.search(r'<form id="start-journey-form".*?</form>', page, re.S).group()
    assert "checked" not in start_form and "<select" not in start_form  # cards, not a list
    assert len(page.encode()) < 30_000


def test_starting_without_choosing_a_route_says_so(client):
    captain = make_user()
    team = make_team(captain)
    make_route(captain, SHORT_WALK)
    sign_in_as(client, captain)

    response = post_form(client, f"/teams/{team.id}/journeys/", {})

    assert response.status_code == 422
    assert "Choose a route for the journey." in response.get_data(as_text=True)
    assert journeys.active_journey(team) is None


def backdate(team, days: int) -> None:
    """Make the team and its memberships `days` old, so walks that long ago count."""
    team.created_at = utcnow() - timedelta(days=days)
    for membership in teams.members_of(team):
        membership.joined_on -= timedelta(days=days)
    db.session.flush()


def walked_then(activity, day) -> None:
    """Move a logged walk further back than the log form allows (14 days)."""
    activity.activity_date = day
    db.session.flush()


def test_the_estimate_uses_what_the_team_counted_in_the_last_28_days(client):
    captain = make_user()
    team = make_team(captain)
    walker = add_member(team).user
    backdate(team, 90)
    today = activities.today_for(captain)
    log(walker, 10.0, day=today - timedelta(days=3))
    walked_then(log(captain, 4.0), today - timedelta(days=27))
    walked_then(log(walker, 50.0), today - timedelta(days=28))  # a day too old
    log(walker, 50.0).review_status = "held"  # waiting for a captain: not counted
    log(make_user(), 50.0, day=today)  # not in the team
    make_route(captain, SHORT_WALK, name="Border Stroll")  # 11.1 km: 23 days at 0.5 km a day
    sign_in_as(client, captain)

    page = choice_page(client, team)

    assert "recent pace of <strong>0.5 km a day</strong> (the last 28 days)" in page
    [card] = re.findall(r'<label class="route-card">.*?</label>', page, re.S)
    assert "about 3 weeks" in card


def test_a_new_team_is_told_why_there_is_no_estimate(client):
    captain = make_user()
    team = make_team(captain)
    make_route(captain, SHORT_WALK)
    sign_in_as(client, captain)

    page = choice_page(client, team)

    assert "Your team has logged no walks in the last 28 days" in page
    assert "about" not in re.search(r'<label class="route-card">.*?</label>', page, re.S).group()


def test_a_captain_starts_a_route_from_its_page(client):
    captain = make_user()
    team = make_team(captain, name="Night Owls")
    route = make_route(captain, SHORT_WALK, name="Border Stroll")
    sign_in_as(client, captain)
    page = client.get(f"/routes/{route.id}").get_data(as_text=True)
    assert "Start this with Night Owls" in page

    response = post_form(
        client,
        f"/teams/{team.id}/journeys/",
        {"route_id": route.id},
        token_page=f"/routes/{route.id}",
    )

    assert response.status_code == 303
    assert journeys.active_journey(team).route_id == route.id


def test_without_a_free_team_the_route_page_says_what_to_do(client):
    captain = make_user()
    busy = make_team(captain, name="Busy Bees")
    make_journey(busy)
    route = make_route(captain, SHORT_WALK)
    member = make_user()
    add_member(busy, member)
    sign_in_as(client, captain)

    page = client.get(f"/routes/{route.id}").get_data(as_text=True)
    assert "Busy Bees</a> is already on a journey. Finish or abandon it first" in page
    assert "Start this with Busy Bees" not in page

    sign_in_as(client, member)
    own = make_route(member, SHORT_WALK)
    page = client.get(f"/routes/{own.id}").get_data(as_text=True)
    assert "a team's captain starts its journeys" in page
    assert "Create a team" in page
