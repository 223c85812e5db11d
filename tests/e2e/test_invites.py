"""Sharing a team at 360x740: the whole link, Share or Copy, and the join page a stranger sees."""

import re

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.services.teamwork import team_invites
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import add_member, make_journey, make_team, make_user

PHONE = {"width": 360, "height": 740}


def phone_context(browser, **options):
    return browser.new_context(viewport=PHONE, **options)


def assert_wholly_on_screen(locator) -> None:
    """Every character shows: the box is inside the 360 px screen and clips nothing."""
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert locator.evaluate("el => el.scrollWidth <= el.clientWidth"), "the text is cut off"


def assert_above_the_fold(locator) -> None:
    box = locator.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


@pytest.mark.committing
def test_captain_copies_the_whole_share_link_and_a_new_one_at_360(browser, live_url):
    captain = make_user(email="cap@example.com")
    team = make_team(captain, name="Dawn Patrol")
    db.session.commit()
    context = phone_context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_url, captain.email)

    page.goto(f"{live_url}/teams/{team.id}/invites")
    link = page.locator("#share-link .share-box__text")
    expect(link).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/join/[A-Z0-9]{8}$"))
    assert_wholly_on_screen(link)
    has_share = page.evaluate("typeof navigator.share === 'function'")
    expect(page.get_by_role("button", name="Share link")).to_be_visible(visible=has_share)
    page.get_by_role("button", name="Copy link").click()

    expect(page.locator("#share-link [role=status]")).to_have_text(re.compile("^Copied"))
    assert clipboard(page) == link.inner_text()
    assert_fits_360(page, "invites")

    old = link.inner_text()
    page.get_by_role("button", name="Make a new link and code").click()
    expect(link).not_to_have_text(old)
    page.get_by_role("button", name="Copy link").click()  # shown again in the swapped part
    expect(page.locator("#share-link [role=status]")).to_have_text(re.compile("^Copied"))
    assert clipboard(page) == link.inner_text() != old
    context.close()


@pytest.mark.committing
def test_without_javascript_the_link_is_plain_text_and_no_dead_buttons(phone_without_js, live_url):
    captain = make_user(email="cap@example.com")
    team = make_team(captain)
    code = team_invites.share_link(team).code
    db.session.commit()
    page = phone_without_js
    log_in(page, live_url, captain.email)

    page.goto(f"{live_url}/teams/{team.id}/invites")

    link = page.locator("#share-link .share-box__text")
    expect(link).to_have_text(f"{live_url}/join/{code}")
    assert_wholly_on_screen(link)
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(page.get_by_role("button", name="Share link")).to_be_hidden()


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_stranger_sees_the_journey_and_can_act_without_scrolling(browser, live_url, javascript):
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain, name="Dawn Patrol")
    add_member(team, make_user(display_name="Secret Sam"))
    make_journey(team, distance_m=2_500)
    code = team_invites.share_link(team).code
    db.session.commit()
    context = phone_context(browser, java_script_enabled=javascript)
    page = context.new_page()

    page.goto(f"{live_url}/join/{code}")

    expect(page.get_by_role("heading", level=1)).to_have_text("Join Dawn Patrol")
    expect(page.locator("main")).to_contain_text("Cap Ann invited you")
    expect(page.locator("main")).to_contain_text("2 members")
    assert_above_the_fold(page.get_by_role("link", name="Create an account"))
    expect(page.get_by_role("img", name="Map of Test route")).to_be_visible()
    expect(page.locator("#journey-progress")).to_contain_text("2.5 km of")
    expect(page.locator("#journey-progress")).to_contain_text("Next milestone: Point 2")
    expect(page.locator("main")).not_to_contain_text("Secret Sam")
    assert_fits_360(page, "join")
    context.close()


@pytest.mark.committing
def test_another_account_copies_an_ask_to_join_message_or_switches(browser, live_url):
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain, name="Dawn Patrol")
    invite = team_invites.invite_by_email(team, captain, "newbie@example.com")
    bob = make_user(email="bob@example.com")
    db.session.commit()
    context = phone_context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_url, bob.email)

    page.goto(f"{live_url}/invites/{invite.code}")

    expect(page.get_by_role("heading", name="This invite was sent to someone else")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("newbie")
    expect(page.get_by_role("button", name="Join team")).to_have_count(0)
    page.get_by_role("button", name="Copy message").click()
    expect(page.locator(".invite-refusal [role=status]")).to_have_text(re.compile("^Copied"))
    assert clipboard(page) == (
        "Hi Cap Ann, could you invite me to Dawn Patrol on Mile Quest? My email is bob@example.com."
    )
    assert_fits_360(page, "refusal")

    page.get_by_role("button", name="Log out and switch account").click()
    expect(page.locator("#flashes")).to_contain_text("Log in with the email address")
    expect(page.get_by_role("link", name="Log in", exact=True).last).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("newbie")
    context.close()


@pytest.mark.committing
def test_where_the_phone_can_share_the_share_button_hands_it_the_link(browser, live_url):
    captain = make_user(email="cap@example.com")
    team = make_team(captain, name="Dawn Patrol")
    code = team_invites.share_link(team).code
    db.session.commit()
    context = phone_context(browser)
    # Headless Chromium has no Web Share API: stand in for the phone's share sheet.
    context.add_init_script(
        "navigator.share = data => { window.sharedWith = data; return Promise.resolve(); };"
    )
    page = context.new_page()
    log_in(page, live_url, captain.email)

    page.goto(f"{live_url}/teams/{team.id}/invites")
    page.get_by_role("button", name="Share link").click()

    page.wait_for_function("window.sharedWith !== undefined")
    assert page.evaluate("window.sharedWith") == {
        "title": "Join Dawn Patrol on Mile Quest",
        "url": f"{live_url}/join/{code}",
    }
    context.close()


@pytest.mark.committing
def test_an_invited_walker_joins_from_the_top_of_the_page(browser, live_url):
    captain = make_user(display_name="Cap Ann")
    team = make_team(captain, name="Dawn Patrol", description="Morning walks " * 12)
    make_journey(team, distance_m=2_500)
    invite = team_invites.invite_by_email(team, captain, "Newbie@Example.com")
    newbie = make_user(email="newbie@example.com")
    db.session.commit()
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_url, newbie.email)

    page.goto(f"{live_url}/invites/{invite.code}")
    join = page.get_by_role("button", name="Join team")
    assert_above_the_fold(join)
    join.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Dawn Patrol")
    expect(page.locator("#members")).to_contain_text(newbie.display_name)
    context.close()
