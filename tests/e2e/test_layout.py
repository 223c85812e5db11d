"""Every page fits a 360 px phone screen with JavaScript off."""

import pytest
from playwright.sync_api import expect

from tests.e2e.sessions import log_in

PUBLIC_PAGES = [
    "/",
    "/signup",
    "/login",
    "/reset",
    "/signup/check-email",
    "/verify/bad",
    "/nope",
    "/activity-kinds",
]
ACCOUNT_PAGES = ["/dashboard", "/profile", "/dev/mail/", "/imports/"]


def assert_fits_360(page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide at a 360px viewport"
    assert page.locator("main#main").count() == 1, f"{path} has no main landmark"
    assert page.locator("h1").count() == 1, f"{path} should have exactly one h1"


@pytest.mark.committing
def test_public_pages_fit_a_phone_without_javascript(phone_without_js, live_url):
    for path in PUBLIC_PAGES:
        phone_without_js.goto(live_url + path)
        assert_fits_360(phone_without_js, path)


@pytest.mark.committing
def test_account_pages_fit_a_phone_without_javascript(app, phone_without_js, live_url):
    from milequest.extensions import db
    from tests.factories import make_user

    user = make_user(email="wide@example.com", display_name="A" * 60)
    db.session.commit()
    page = phone_without_js
    log_in(page, live_url, user.email)
    for path in ACCOUNT_PAGES:
        page.goto(live_url + path)
        assert_fits_360(page, path)


# One row of 44 px targets and its padding; the two-row header was 101 px (visitor) and
# 147 px (walker) tall.
ONE_ROW_PX = 56


def header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_header_is_one_row_on_a_phone(app, browser, live_url, javascript):
    from milequest.extensions import db
    from tests.factories import make_user

    user = make_user(email="header@example.com", display_name="B" * 60)
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    for path in ("/", "/login"):
        page.goto(live_url + path)
        assert header_height(page) <= ONE_ROW_PX, f"a visitor's header on {path}"
    log_in(page, live_url, user.email)
    for path in ("/dashboard", "/teams/", "/profile"):
        page.goto(live_url + path)
        assert header_height(page) <= ONE_ROW_PX, f"a walker's header on {path}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Profile and Log out are in the menu, which opens without JavaScript too.
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_text("You are logged out")).to_be_visible()
    context.close()
