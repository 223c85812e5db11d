"""The walker's daily loop on a 360x740 phone: from the team page a walk is logged in at most
three taps, every one of them on the first screen (no scrolling), JavaScript on or off, and
the team's new total shows on the first screen of the answer.

The seconds it took are printed (run with -s to see them), never asserted: they measure this
machine as much as the page.
"""

import time

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.models import Team
from tests.e2e.sessions import log_in
from tests.factories import make_journey

PHONE = {"width": 360, "height": 740}
LONG_NAME = "The " + "Very " * 8 + "Long Team Name"  # three lines of h1 on a phone


def assert_on_first_screen(page, target) -> None:
    box = target.bounding_box()
    assert box, f"{target} is not on the page"
    assert page.evaluate("window.scrollY") == 0, "the page was scrolled"
    inside = box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    inside = inside and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert inside, f"{target} is at {box}: off the first screen of a 360x740 phone"


class Thumb:
    """Taps like a walker holding a phone: only what the first screen shows, counted."""

    def __init__(self, page):
        self.page, self.taps = page, 0

    def tap(self, target) -> None:
        assert_on_first_screen(self.page, target)
        box = target.bounding_box()
        # A tap where it is, not Playwright's click, which would scroll it into view first.
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.taps += 1


def a_captain_on_a_journey(browser, live_url, javascript):
    """The busiest first screen: a captain (who also has tools) of a long-named team."""
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    team.name, team.description = LONG_NAME, "We walk to the sea and back. " * 12
    db.session.commit()
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, live_url, team.created_by.email)
    return team, context, page


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_walk_is_logged_from_the_team_page_in_three_taps_without_scrolling(
    browser, live_url, javascript
):
    team, context, page = a_captain_on_a_journey(browser, live_url, javascript)
    page.goto(f"{live_url}/teams/{team.id}")
    expect(page.locator("#journey-progress")).to_contain_text("0.0 km of")
    started, thumb = time.monotonic(), Thumb(page)

    thumb.tap(page.get_by_label("Distance"))
    page.keyboard.type("3.5")
    thumb.tap(page.get_by_role("button", name="Log it"))

    expect(page.locator("#journey-progress")).to_contain_text("3.5 km of")
    seconds = time.monotonic() - started
    # Retried: the live stream may swap the progress part in again at any moment.
    expect(page.locator("#journey-progress .progress-label")).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    print(f"\nLogged 3.5 km from the team page ({javascript=}): {thumb.taps} taps, {seconds:.2f} s")
    assert thumb.taps <= 3
    context.close()


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_quick_picks_say_and_log_the_unit_selected(browser, live_url, javascript):
    team, context, page = a_captain_on_a_journey(browser, live_url, javascript)
    page.goto(f"{live_url}/teams/{team.id}")
    picks = page.get_by_role("group", name="Quick picks")
    expect(picks.get_by_role("button")).to_have_text(["1 km", "2 km", "5 km"])
    page.get_by_label("steps", exact=True).check()
    expect(picks.get_by_role("button")).to_have_text(["2,000 steps", "5,000 steps", "10,000 steps"])
    started, thumb = time.monotonic(), Thumb(page)

    thumb.tap(page.get_by_label("miles"))
    expect(picks.get_by_role("button")).to_have_text(["1 mi", "2 mi", "3 mi"])
    thumb.tap(picks.get_by_role("button", name="2 mi"))

    expect(page.locator("#journey-progress")).to_contain_text("3.2 km of")  # 2 mi, not 2 km
    seconds = time.monotonic() - started
    # Retried: the live stream may swap the progress part in again at any moment.
    expect(page.locator("#journey-progress .progress-label")).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    print(f"\nLogged 2 mi with a quick pick ({javascript=}): {thumb.taps} taps, {seconds:.2f} s")
    assert thumb.taps <= 3
    context.close()


@pytest.mark.committing
def test_after_a_refused_then_saved_walk_the_answer_opens_at_its_top(browser, live_url):
    team, context, page = a_captain_on_a_journey(browser, live_url, javascript=True)
    page.goto(f"{live_url}/teams/{team.id}")
    page.get_by_label("Distance").fill("three")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("as a number, like 3.5").first).to_be_visible()

    page.mouse.wheel(0, 900)  # the walker reads on, then fixes the distance
    page.get_by_label("Distance").fill("3")
    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#flashes")).to_contain_text("Logged 3 km")
    page.wait_for_function("() => window.scrollY === 0")
    context.close()


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_ride_is_logged_from_more_and_the_table_is_a_tap_away(browser, live_url, javascript):
    team, context, page = a_captain_on_a_journey(browser, live_url, javascript)
    page.goto(f"{live_url}/teams/{team.id}")
    assert_on_first_screen(page, page.get_by_role("button", name="Log it"))

    page.get_by_label("Distance").fill("12")
    page.locator("summary", has_text="More").click()
    page.get_by_label("Kind").select_option("cycle")
    table_link = page.get_by_role("link", name="How other activities count")
    box = table_link.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44
    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#journey-progress")).to_contain_text("4.0 km of")
    expect(page.locator("#team-event-list")).to_contain_text(
        "logged 12.0 km (cycle) · counts 4.0 km"
    )
    page.goto(f"{live_url}/teams/{team.id}")  # a fresh form: "More" folded again
    page.locator("summary", has_text="More").click()
    page.get_by_role("link", name="How other activities count").click()
    expect(page.locator("#kind-cycle")).to_contain_text("10.0 km counts 3.3 km")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
