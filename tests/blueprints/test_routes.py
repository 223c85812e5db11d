import json
import re

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Place, Route
from milequest.services.atlas import catalog
from tests.factories import SHORT_WALK, make_draft, make_route, make_user
from tests.helpers import HTMX_HEADERS, log_in, post_form

SCOTLAND = [(-3.1883, 55.9533), (-4.2247, 57.4778)]


def place_id(name: str, country: str) -> int:
    return db.session.scalar(
        select(Place.id).where(Place.name == name, Place.country_code == country)
    )


def test_a_walker_builds_a_route_from_places_without_javascript(client, places):
    user = make_user()
    log_in(client, user)
    response = post_form(client, "/routes", {"name": "Scottish cities"}, token_page="/routes")
    assert response.status_code == 303
    route = db.session.scalar(select(Route).where(Route.owner_id == user.id))
    edit = f"/routes/{route.id}/edit"

    page = client.get(edit + "?q=edinburgh").get_data(as_text=True)
    assert "Add Edinburgh, United Kingdom" in page
    for name in ("Edinburgh", "Inverness", "Perth"):
        pid = place_id(name, "GB")
        response = post_form(
            client, f"/routes/{route.id}/waypoints", {"place_id": pid}, token_page=edit
        )
        assert response.status_code == 303
    perth = route.waypoints[2]
    post_form(
        client,
        f"/routes/{route.id}/waypoints/{perth.id}/move",
        {"direction": "up"},
        token_page=edit,
    )
    db.session.expire_all()
    assert [w.name for w in route.waypoints] == ["Edinburgh", "Perth", "Inverness"]
    assert re.search(
        r"Inverness <span class=\"muted\">1\d\d\.\d km from Perth", client.get(edit).text
    )

    response = post_form(
        client, f"/routes/{route.id}/save", {"name": "Scottish cities"}, token_page=edit
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert route.status == "building"
    page = client.get(f"/routes/{route.id}").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and "Refresh" in page


def test_search_answers_a_fragment_to_htmx(client, places):
    user = make_user()
    draft = make_draft(user)
    log_in(client, user)
    response = client.get(f"/routes/{draft.id}/places?q=paris", headers=HTMX_HEADERS)
    body = response.get_data(as_text=True)
    assert body.startswith('<div id="place-results"')
    assert body.index("Paris, France") < body.index("Paris, TX")


def test_the_editor_is_a_whole_page_when_htmx_follows_start_a_route(client):
    user = make_user()
    log_in(client, user)
    response = post_form(client, "/routes", {"name": "Coast walk"}, htmx=True, token_page="/routes")
    editor = json.loads(response.headers["HX-Location"])["path"]

    page = client.get(editor, headers=HTMX_HEADERS).get_data(as_text=True)

    assert "<h1>Coast walk</h1>" in page and 'id="place-results"' in page


def test_the_status_poll_brings_the_map_and_milestone_distances_once_built(client):
    user = make_user()
    route = make_route(user, SCOTLAND)
    log_in(client, user)

    block = client.get(f"/routes/{route.id}/status", headers=HTMX_HEADERS).get_data(as_text=True)

    assert block.startswith('<div id="route-build"') and "hx-trigger" not in block
    assert "route-svg" in block and 'id="route-map-live"' in block
    assert "181.2 km" in block and "-</span>" not in block


def test_saving_one_waypoint_answers_422_and_keeps_the_draft(client):
    user = make_user()
    draft = make_draft(user, SCOTLAND[:1])
    log_in(client, user)
    edit = f"/routes/{draft.id}/edit"
    response = post_form(client, f"/routes/{draft.id}/save", {"name": "x"}, token_page=edit)
    assert response.status_code == 422
    assert "2 to 20 waypoints" in response.get_data(as_text=True)
    assert db.session.get(Route, draft.id).status == "draft"


def test_a_place_that_does_not_exist_answers_422(client, places):
    user = make_user()
    draft = make_draft(user)
    log_in(client, user)
    url = f"/routes/{draft.id}/waypoints"
    response = post_form(
        client, url, {"place_id": 999_999_999}, token_page=f"/routes/{draft.id}/edit"
    )
    assert response.status_code == 422
    assert "does not exist" in response.get_data(as_text=True)
    assert draft.waypoints == []


def test_a_strangers_draft_and_route_are_404(client):
    owner, stranger = make_user(), make_user()
    draft = make_draft(owner, SCOTLAND)
    built = make_route(owner, SCOTLAND)
    log_in(client, stranger)
    for url in (f"/routes/{draft.id}/edit", f"/routes/{draft.id}", f"/routes/{built.id}"):
        assert client.get(url).status_code == 404
    token_page = "/routes"
    assert (
        post_form(
            client, f"/routes/{draft.id}/points", {"lat": 1, "lon": 1}, token_page=token_page
        ).status_code
        == 404
    )
    assert (
        post_form(
            client, f"/routes/{draft.id}/save", {"name": "mine"}, token_page=token_page
        ).status_code
        == 404
    )


def test_catalog_routes_are_read_only_for_everyone(client):
    entry = next(e for e in catalog.catalog_entries() if e["slug"] == "hadrians-wall-path")
    route, _ = catalog.load_entry(entry)
    user = make_user(units="mi")
    log_in(client, user)
    page = client.get("/routes").get_data(as_text=True)
    assert "Hadrian&#39;s Wall Path" in page and " mi" in page
    shown = client.get(f"/routes/{route.id}").get_data(as_text=True)
    assert "<svg" in shown and "Bowness-on-Solway" in shown
    assert client.get(f"/routes/{route.id}/edit").status_code == 404
    url = f"/routes/{route.id}/points"
    assert post_form(client, url, {"lat": 1, "lon": 1}, token_page="/routes").status_code == 404


def test_a_catalog_route_shows_each_milestone_at_its_published_distance_and_its_sources(client):
    entry = next(e for e in catalog.catalog_entries() if e["slug"] == "hadrians-wall-path")
    route, _ = catalog.load_entry(entry)
    log_in(client, make_user(units="mi"))

    shown = client.get(f"/routes/{route.id}").get_data(as_text=True)

    milestones = re.findall(
        r"<li><strong>([^<]+)</strong> <span class=\"muted\">([^<]+)</span>", shown
    )
    assert [(name.replace("&#39;", "'"), said) for name, said in milestones] == [
        (w["name"], f"{w['km'] / 1.609344:,.1f} mi") for w in entry["waypoints"]
    ]
    assert all(source["url"] in shown for source in entry["sources"].values())
    assert "every milestone stands at its published distance" in shown


def test_a_walkers_own_route_names_no_sources(client):
    user = make_user()
    route = make_route(user, SHORT_WALK)
    log_in(client, user)
    shown = client.get(f"/routes/{route.id}").get_data(as_text=True)
    assert '<ol class="waypoints">' in shown
    assert "Sources" not in shown and "published distance" not in shown


def test_routes_need_a_login(client):
    assert client.get("/routes").status_code == 302


def test_svg_map_of_a_2000_vertex_route_is_small(client, app):
    app.config["ROUTE_SEGMENT_MAX_M"] = 450
    try:
        user = make_user()
        route = make_route(user, [(-5.7132, 50.0657), (-3.1883, 55.9533), (-3.0690, 58.6440)])
    finally:
        app.config["ROUTE_SEGMENT_MAX_M"] = 10_000
    assert len(route.vertex_distances_m) > 2000
    from flask import render_template_string

    log_in(client, user)
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        svg = render_template_string(
            '{% from "routes/_map.html" import route_map with context %}'
            "{{ route_map(route, 500000) }}",
            route=route,
        )
    assert svg.count("<svg") == 1 and "<title" in svg and "<desc" in svg
    assert "route-svg__marker" in svg
    assert len(svg.encode()) < 10_000


def test_a_leg_to_the_wrong_berwick_asks_first_in_the_walkers_units(client, places):
    from milequest.services.atlas import places as gazetteer

    gazetteer.load_places(c for c in gazetteer.geonames_cities(500) if c["name"] == "Berwick")
    user = make_user(units="mi")
    draft = make_draft(user, SCOTLAND[:1])
    log_in(client, user)
    edit = f"/routes/{draft.id}/edit"
    assert "from Point 1" in client.get(edit + "?q=berwick").get_data(as_text=True)

    asked = post_form(
        client,
        f"/routes/{draft.id}/waypoints",
        {"place_id": place_id("Berwick", "AU")},
        token_page=edit,
    )

    page = asked.get_data(as_text=True)
    assert asked.status_code == 422
    assert "Is Berwick, Australia the place you meant?" in page
    assert re.search(r"<strong>10,\d{3}\.\d mi</strong> from Point 1", page)
    assert "over 621.4 mi for a first leg" in page
    assert [w.name for w in draft.waypoints] == ["Point 1"]
    assert f'name="place_id" value="{place_id("Berwick", "AU")}"' in page
    assert 'name="long_ok" value="y"' in page
    confirmed = post_form(
        client,
        f"/routes/{draft.id}/waypoints",
        {"place_id": place_id("Berwick", "AU"), "long_ok": "y"},
        token_page=edit,
    )
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert [w.name for w in draft.waypoints] == ["Point 1", "Berwick"]
