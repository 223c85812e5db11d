"""The journey page's planning section and the captain's target date form; the route picker's
length and region filter (a GET form, so it works without JavaScript)."""

import re
from datetime import timedelta

from milequest.services.atlas import catalog
from milequest.services.journeying import journeys
from milequest.services.walks import activities
from tests.factories import add_member, log, make_journey, make_route, make_team, make_user
from tests.helpers import post_form, sign_in_as

LONG_WAY = [(-5.7132, 50.0657), (-3.1883, 55.9533), (-3.0690, 58.6440)]


def journey_page(client, team) -> str:
    return client.get(f"/teams/{team.id}/journeys/").get_data(as_text=True)


def test_the_captain_sets_a_target_date_and_the_page_says_what_each_member_needs(client):
    captain = make_user()
    team = make_team(captain)
    add_member(team)
    journey = make_journey(team, make_route(captain, LONG_WAY))
    log(captain, 8)
    today = activities.today_for(captain)
    sign_in_as(client, captain)
    target = today + timedelta(days=99)

    response = post_form(
        client, f"/teams/{team.id}/journeys/target", {"target_date": target.isoformat()}
    )

    assert response.status_code == 303
    assert journey.target_date == target
    page = journey_page(client, team)
    remaining_km = (journey.route.length_m - 8_000) / 1000
    needed = re.search(r'id="needed-per-member"><strong>([\d.,]+) km</strong>', page).group(1)
    assert needed == f"{remaining_km / 100 / 2:,.1f}"
    assert "Pace over the last 1 day" in page and "8.0 km a day" in page
    finish = today + timedelta(days=-(-int(journey.route.length_m - 8_000) // 8_000))
    assert f'datetime="{finish.isoformat()}"' in page


def captain_with_a_target_in_5_days(client):
    """A signed-in captain whose team's journey has a target date: (team, journey, today)."""
    captain = make_user()
    team = make_team(captain)
    journey = make_journey(team)
    today = activities.today_for(captain)
    journeys.set_target_date(journey, today + timedelta(days=5), today)
    sign_in_as(client, captain)
    return team, journey, today


def test_a_target_date_in_the_past_is_a_clear_422_and_keeps_the_old_one(client):
    team, journey, today = captain_with_a_target_in_5_days(client)

    response = post_form(
        client,
        f"/teams/{team.id}/journeys/target",
        {"target_date": (today - timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 422
    assert "The target date must be today or later." in response.get_data(as_text=True)
    assert journey.target_date == today + timedelta(days=5)


def test_an_empty_target_date_clears_it(client):
    team, journey, _ = captain_with_a_target_in_5_days(client)

    response = post_form(client, f"/teams/{team.id}/journeys/target", {"target_date": ""})

    assert response.status_code == 303 and journey.target_date is None


def test_only_the_captain_sets_the_target_date_and_only_with_the_csrf_token(client):
    captain = make_user()
    team = make_team(captain)
    journey = make_journey(team)
    member = add_member(team).user
    target = (activities.today_for(captain) + timedelta(days=9)).isoformat()
    sign_in_as(client, member)

    assert "target-date-form" not in journey_page(client, team)
    forbidden = post_form(client, f"/teams/{team.id}/journeys/target", {"target_date": target})
    assert forbidden.status_code == 403

    sign_in_as(client, captain)
    no_token = client.post(f"/teams/{team.id}/journeys/target", data={"target_date": target})
    assert no_token.status_code == 400
    assert journey.target_date is None


def _cards(page: str) -> list[str]:
    return re.findall(r'card__name">([^<]+)<', page)


def test_the_picker_filters_routes_by_length_and_region_with_a_plain_get_form(client):
    for slug in ("west-highland-way", "trans-siberian", "jesus-trail"):
        catalog.load_entry(next(e for e in catalog.catalog_entries() if e["slug"] == slug))
    captain = make_user()
    team = make_team(captain)
    sign_in_as(client, captain)
    url = f"/teams/{team.id}/journeys/"

    page = client.get(url).get_data(as_text=True)
    assert 'class="route-filter" method="get"' in page
    assert set(_cards(page)) >= {"West Highland Way", "Trans-Siberian", "Jesus Trail"}

    weekend = client.get(url, query_string={"scale": "weekend"}).get_data(as_text=True)
    assert set(_cards(weekend)) == {"West Highland Way", "Jesus Trail"}
    assert '<option value="weekend" selected>' in weekend
    asia_weekend = client.get(url, query_string={"scale": "weekend", "region": "asia"})
    assert _cards(asia_weekend.get_data(as_text=True)) == ["Jesus Trail"]
    nothing = client.get(url, query_string={"scale": "year", "region": "oceania"})
    assert "No route matches." in nothing.get_data(as_text=True)


def test_the_routes_list_filters_the_famous_walks_by_region(client):
    for slug in ("west-highland-way", "trans-siberian"):
        catalog.load_entry(next(e for e in catalog.catalog_entries() if e["slug"] == slug))
    sign_in_as(client, make_user())

    page = client.get("/routes", query_string={"region": "asia"}).get_data(as_text=True)

    assert "Trans-Siberian" in page and "West Highland Way" not in page
    assert "9,259.0 km · Asia" in page


def test_a_catalog_route_page_names_the_source_of_its_length(client):
    entry = next(e for e in catalog.catalog_entries() if e["slug"] == "hadrians-wall-path")
    route, _ = catalog.load_entry(entry)
    sign_in_as(client, make_user())

    page = client.get(f"/routes/{route.id}").get_data(as_text=True)

    assert "135.0 km" in page
    assert f'href="{entry["sources"]["length"]["url"]}"' in page
