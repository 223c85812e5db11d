"""A member logs a walk from a 360 px phone, JavaScript on and off, and lands on the team page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import add_member, make_journey


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_logging_a_walk_from_a_phone_moves_the_team(browser, live_url, javascript):
    journey = make_journey()
    from milequest.models import Team

    team = db.session.get(Team, journey.team_id)
    walker = add_member(team).user
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    log_in(page, live_url, walker.email)

    page.goto(f"{live_url}/teams/{team.id}")
    page.get_by_label("Distance").fill("0")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#activity-form")).to_contain_text("above 0")

    page.get_by_label("Distance").fill("3.2")
    page.get_by_role("button", name="Log it").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(team.name)
    expect(page.locator("#journey-progress")).to_contain_text("3.2 km")
    expect(page.locator("#leaderboard")).to_contain_text(walker.display_name)
    page.get_by_role("button", name=re.compile("^2 km")).click()
    expect(page.locator("#journey-progress")).to_contain_text("5.2 km")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.committing
def test_a_quick_pick_tapped_before_the_next_page_arrives_is_another_walk(browser, live_url):
    """The form on screen has just been used: a second tap is a second walk, not a replay."""
    journey = make_journey()
    from milequest.models import Activity, Team

    team = db.session.get(Team, journey.team_id)
    walker = add_member(team).user
    db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_url, walker.email)
    team_page = f"{live_url}/teams/{team.id}"
    page.goto(team_page)
    # The page that follows a logged walk never comes: the form just used stays on screen.
    page.route(
        team_page,
        lambda route: route.abort() if "hx-request" in route.request.headers else route.continue_(),
    )

    page.get_by_label("Distance").fill("3.2")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Log it").click()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name=re.compile("^2 km")).click()
    context.close()

    walks = db.session.scalars(select(Activity.distance_m).where(Activity.user_id == walker.id))
    assert sorted(float(m) for m in walks) == [2000.0, 3200.0]
