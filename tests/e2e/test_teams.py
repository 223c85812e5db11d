"""A captain creates a team and invites by email, link, code and QR, on a phone, JS on and off."""

import re

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import make_user


def fits_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_captain_creates_a_team_and_invites_four_ways(browser, live_url, javascript):
    captain = make_user(email=f"cap-{javascript}@example.com")
    joiner = make_user(email=f"joiner-{javascript}@example.com")
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()

    log_in(page, live_url, captain.email)
    page.get_by_role("link", name="Create a team").first.click()
    page.get_by_label("Team name").fill("Dawn Patrol")
    page.get_by_role("button", name="Create team").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invite people to Dawn Patrol")
    fits_phone(page)
    share_url = page.locator("#share-link .share-box__text").inner_text()
    code = page.locator(".join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(page.locator("#share-link svg")).to_be_visible()  # the QR code

    page.get_by_label("Email address").fill("friend@example.com")
    page.get_by_role("button", name="Send invite").click()
    expect(page.locator("#pending-invites")).to_contain_text("friend@example.com")
    fits_phone(page)

    old_code = code
    page.get_by_role("button", name="Make a new link and code").click()
    expect(page.locator(".join-code")).not_to_have_text(old_code)
    code = page.locator(".join-code").inner_text().strip()
    share_url = page.locator("#share-link .share-box__text").inner_text()
    context.close()

    other = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    walker = other.new_page()
    log_in(walker, live_url, joiner.email)
    walker.goto(f"{live_url}/join")
    walker.get_by_label("Team code").fill(code.lower().replace("-", " "))
    walker.get_by_role("button", name="Find the team").click()
    expect(walker.get_by_role("heading", level=1)).to_contain_text("Join Dawn Patrol")
    assert walker.url == share_url
    walker.get_by_role("button", name="Join team").click()
    expect(walker.get_by_role("heading", level=1)).to_contain_text("Dawn Patrol")
    expect(walker.locator("#members")).to_contain_text(joiner.display_name)
    fits_phone(walker)
    other.close()
