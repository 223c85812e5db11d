"""The weekly goal, set on a phone without JavaScript, fills the dashboard's bar; badges show."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import log, make_user


@pytest.mark.committing
def test_a_goal_set_without_javascript_fills_the_dashboard_on_a_phone(phone_without_js, live_url):
    walker = make_user()
    log(walker, 3)
    db.session.commit()
    page = phone_without_js

    log_in(page, live_url, walker.email)
    page.goto(f"{live_url}/profile")
    page.get_by_label("Weekly goal").fill("12")
    page.get_by_role("button", name="Save profile").click()
    page.goto(f"{live_url}/dashboard")

    expect(page.locator("#weekly-goal")).to_contain_text("3.0 km of 12.0 km: 9.0 km to go")
    log_walk = page.get_by_role("link", name="Log a walk").first.bounding_box()
    assert log_walk is not None and log_walk["y"] + log_walk["height"] <= 740  # no scrolling
    assert log_walk["height"] >= 44
    page.goto(f"{live_url}/profile#badges")
    expect(page.locator("#badges")).to_contain_text("First walk")
