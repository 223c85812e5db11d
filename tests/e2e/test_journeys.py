"""Choosing a journey on a 360 px phone: route cards, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.services.atlas import catalog
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import SHORT_WALK, make_route, make_team, make_user


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_captain_picks_a_route_card_and_starts_the_journey(request, live_url, javascript):
    for entry in catalog.catalog_entries()[:3]:
        catalog.load_entry(entry)
    captain = make_user()
    team = make_team(captain, name="Harbour Walkers")
    make_route(captain, SHORT_WALK, name="Border Stroll")
    db.session.commit()
    page = request.getfixturevalue("phone" if javascript else "phone_without_js")
    log_in(page, live_url, captain.email)
    page.goto(f"{live_url}/teams/{team.id}/journeys/")
    assert_fits_360(page, "journeys")
    cards = page.locator(".route-card")
    expect(cards).to_have_count(4)
    expect(cards.first).to_contain_text(re.compile(r"[\d,]+\.\d km"))
    assert page.locator(".route-card input:checked").count() == 0
    page.screenshot(path=f"/tmp/journeys-choice-360-{request.node.callspec.id}.png")

    page.get_by_role("button", name="Start journey").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a route for the journey.")
    page.screenshot(path=f"/tmp/journeys-error-360-{request.node.callspec.id}.png")

    page.locator(".route-card", has_text="Border Stroll").click()
    page.get_by_role("button", name="Start journey").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Harbour Walkers")
    expect(page.locator("#journey-progress")).to_contain_text("Border Stroll")


@pytest.mark.committing
def test_start_this_with_my_team_from_a_route_page(phone, live_url):
    captain = make_user()
    team = make_team(captain, name="Harbour Walkers")
    route = make_route(captain, SHORT_WALK, name="Border Stroll")
    db.session.commit()
    log_in(phone, live_url, captain.email)
    phone.goto(f"{live_url}/routes/{route.id}")

    start = phone.get_by_role("button", name="Start this with Harbour Walkers")
    expect(start).to_be_in_viewport()
    phone.screenshot(path="/tmp/route-start-360.png")
    start.click()

    expect(phone.locator("#journey-progress")).to_contain_text("Border Stroll")
    assert phone.url.endswith(f"/teams/{team.id}")
