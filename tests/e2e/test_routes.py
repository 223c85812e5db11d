"""The route page on a phone: the SVG map without JavaScript, Leaflet within the CSP with it."""

import re

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import make_draft, make_route, make_user

SCOTLAND = [(-3.1883, 55.9533), (-3.4370, 56.3950), (-4.2247, 57.4778)]


@pytest.mark.committing
def test_route_page_shows_the_svg_map_with_javascript_off(phone_without_js, live_url):
    user = make_user()
    route = make_route(user, SCOTLAND)
    db.session.commit()
    log_in(phone_without_js, live_url, user.email)
    for path in ("/routes", f"/routes/{route.id}", f"/routes/{route.id}/edit"):
        phone_without_js.goto(live_url + path)
        assert_fits_360(phone_without_js, path)
    phone_without_js.goto(f"{live_url}/routes/{route.id}")
    svg = phone_without_js.locator("svg.route-svg")
    assert svg.is_visible()
    assert svg.bounding_box()["width"] <= 360


@pytest.mark.committing
def test_leaflet_map_renders_without_csp_violations(phone, live_url):
    user = make_user()
    route = make_route(user, SCOTLAND)
    db.session.commit()
    messages = []
    phone.on("console", lambda m: messages.append(m.text))
    log_in(phone, live_url, user.email)
    phone.goto(f"{live_url}/routes/{route.id}")
    phone.wait_for_selector("#route-map-live.leaflet-container path.leaflet-interactive")
    assert not [m for m in messages if "Content Security Policy" in m]


@pytest.mark.committing
def test_start_a_route_opens_the_builder_in_place(phone, live_url):
    user = make_user()
    db.session.commit()
    log_in(phone, live_url, user.email)
    phone.goto(f"{live_url}/routes")

    phone.get_by_label("Route name").fill("Coast walk")
    phone.get_by_role("button", name="Start a route").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Coast walk")
    expect(phone.get_by_label("Find a place")).to_be_visible()
    expect(phone.get_by_role("button", name="Save and build the route")).to_be_attached()


@pytest.mark.committing
def test_a_saved_route_shows_its_map_and_milestones_once_the_worker_built_it(
    phone, live_url, celery_worker
):
    user = make_user()
    draft = make_draft(user, SCOTLAND, name="Three cities")
    db.session.commit()
    log_in(phone, live_url, user.email)
    phone.goto(f"{live_url}/routes/{draft.id}/edit")

    phone.get_by_role("button", name="Save and build the route").click()

    build = phone.locator("#route-build")
    expect(build).to_contain_text("Ready", timeout=20_000)
    expect(build.locator("svg.route-svg")).to_be_visible()
    distances = build.locator(".waypoints .muted")
    expect(distances).to_have_count(3)
    expect(distances).to_have_text([re.compile(r"^\d[\d,.]* km$")] * 3)
    expect(
        build.locator("#route-map-live.leaflet-container path.leaflet-interactive")
    ).to_be_attached()
    phone.screenshot(path="/tmp/routes-built-360.png", full_page=True)


@pytest.mark.committing
def test_searching_after_edinburgh_offers_the_nearby_berwicks_and_asks_about_australia(
    phone, live_url
):
    from milequest.services.atlas import places as gazetteer

    names = {"Edinburgh", "Berwick", "North Berwick", "Berwick-Upon-Tweed", "South Berwick"}
    gazetteer.load_places(c for c in gazetteer.geonames_cities(500) if c["name"] in names)
    user = make_user()
    draft = make_draft(user, SCOTLAND[:1], name="East Lothian coast")
    db.session.commit()
    log_in(phone, live_url, user.email)
    phone.goto(f"{live_url}/routes/{draft.id}/edit")

    phone.get_by_label("Find a place").fill("Berwick")

    results = phone.locator("#place-results button")
    expect(results.first).to_contain_text("United Kingdom")
    expect(results.first).to_contain_text(re.compile(r"\d+\.\d km from Point 1"))
    phone.screenshot(path="/tmp/routes-search-360.png")
    phone.get_by_role("button", name=re.compile("^Add Berwick, Australia")).click()
    question = phone.get_by_role("alert")
    expect(question).to_contain_text("Is Berwick, Australia the place you meant?")
    expect(question).to_be_in_viewport()
    phone.screenshot(path="/tmp/routes-long-leg-360.png")
    phone.get_by_role("link", name="No, find another place").click()
    expect(phone.locator(".waypoints li")).to_have_count(1)
