"""At 360 px: the team's map shows land and the stretch walked; a postcard reaches a teammate
live when a walk passes a milestone, once more on their next visit, and then never again."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import add_member, make_journey, make_route, make_team, make_user

# Milngavie to Fort William, by the lochs.
HIGHLANDS = [(-4.3170, 55.9419), (-4.6384, 56.3311), (-4.7153, 56.4302), (-5.1052, 56.8198)]


def _phone(browser):
    return browser.new_context(viewport={"width": 360, "height": 740}).new_page()


@pytest.mark.committing
def test_the_team_map_shows_land_and_the_walked_stretch(browser, live_url, world_map):
    captain = make_user(email="map-cap@example.com")
    team = make_team(captain, name="Loch Walkers")
    route = make_route(captain, HIGHLANDS, name="Highland Way")
    make_journey(team, route, distance_m=route.length_m / 2)
    db.session.commit()
    page = _phone(browser)
    log_in(page, live_url, captain.email)

    page.goto(f"{live_url}/teams/{team.id}")

    drawing = page.locator(f"#route-map-{route.id}")
    land = drawing.locator(".route-svg__land").bounding_box()
    walked = drawing.locator(".route-svg__walked").bounding_box()
    whole = drawing.bounding_box()
    assert whole["width"] > 250  # nearly the width of the phone
    assert land["width"] > 0.5 * whole["width"] and land["height"] > 0.5 * whole["height"]
    assert walked["height"] > 20  # half of the way north, drawn
    fill = drawing.locator(".route-svg__walked").evaluate("e => getComputedStyle(e).stroke")
    line = drawing.locator(".route-svg__line").evaluate("e => getComputedStyle(e).stroke")
    assert fill != line  # the walked stretch in its own colour
    page.context.close()


@pytest.mark.committing
def test_a_postcard_reaches_a_teammate_live_then_once_on_their_next_visit(browser, live_url):
    captain = make_user(email="pc-cap@example.com", display_name="Cara Captain")
    walker = make_user(email="pc-walker@example.com", display_name="Wes Walker")
    team = make_team(captain, name="Card Senders")
    add_member(team, walker)
    make_journey(team)  # Point 2 is ~5.6 km along
    db.session.commit()
    pages = {}
    for user in (captain, walker):
        page = _phone(browser)
        log_in(page, live_url, user.email)
        with page.expect_event("websocket"):
            page.goto(f"{live_url}/teams/{team.id}")
        pages[user] = page
    watcher = pages[walker]
    expect(watcher.locator("#postcards article")).to_have_count(0)

    pages[captain].get_by_label("Distance").fill("6")
    pages[captain].get_by_role("button", name="Log it").click()

    card = watcher.locator("#postcards article")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Point 2")
    expect(card).to_contain_text("Cara Captain took the team over the line.")

    watcher.reload()
    expect(watcher.locator("#postcards article")).to_have_count(1)
    expect(watcher.locator("#postcards article")).to_contain_text("Point 2")

    watcher.reload()
    expect(watcher.locator("#team-journey")).to_be_visible()
    expect(watcher.locator("#postcards article")).to_have_count(0)
    for page in pages.values():
        page.context.close()
