"""A walker signs up, confirms from the dev mail page, logs out and in, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_out
from tests.helpers import outbox, wait_for

PASSWORD = "a long enough secret"


def sign_up(page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Create|Sign up", re.I)).click()
    expect(page.get_by_text(email)).to_be_visible()


def delivered_to(address: str) -> bool:
    db.session.rollback()  # see what the worker committed
    return any(email.sent_at for email in outbox(address))


def confirm_from_dev_mail(page, live_url: str, address: str) -> None:
    assert wait_for(lambda: delivered_to(address))  # the worker delivers the outbox
    page.goto(f"{live_url}/dev/mail/")
    page.get_by_text("Confirm your email").first.click()
    page.locator("a[href*='/verify/']").first.click()


def log_out_and_in(page, live_url: str, email: str) -> None:
    log_out(page)
    expect(page.get_by_text("You are logged out")).to_be_visible()
    page.goto(f"{live_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Hello, Ada"))).to_be_visible()


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_sign_up_confirm_log_out_and_in(browser, live_url, celery_worker, javascript):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        java_script_enabled=javascript,
        timezone_id="Europe/Paris",
    )
    page = context.new_page()
    email = f"ada-{'js' if javascript else 'nojs'}@example.com"

    sign_up(page, live_url, email)
    confirm_from_dev_mail(page, live_url, email)
    expect(page.get_by_text("Your email is confirmed")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Hello, Ada"))).to_be_visible()
    # With JavaScript the browser's time zone is kept; without, the walker sets it in the profile.
    expect(page.locator("#main")).to_contain_text("Europe/Paris" if javascript else "UTC")
    log_out_and_in(page, live_url, email)
    context.close()


@pytest.mark.committing
def test_bad_signup_shows_messages_in_place_with_htmx(phone, live_url):
    phone.goto(f"{live_url}/signup")
    phone.get_by_label("Email").fill("ada@example.com")
    phone.get_by_label("Display name").fill("Ada")
    phone.get_by_label("Password").fill("short")
    phone.evaluate("document.querySelector('input[name=password]').removeAttribute('minlength')")
    phone.get_by_role("button", name=re.compile("Create|Sign up", re.I)).click()

    expect(phone.get_by_text("Use 10 to 256 characters").first).to_be_visible()
    assert phone.url.endswith("/signup")
    assert phone.get_by_label("Email").input_value() == "ada@example.com"
