"""Every page fits a 360 px phone screen with JavaScript off."""

import pytest

from tests.e2e.sessions import log_in

PUBLIC_PAGES = ["/", "/signup", "/login", "/reset", "/signup/check-email", "/verify/bad", "/nope"]
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
