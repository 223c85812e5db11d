"""Logging a browser in, as a walker does: through the form, then wait for the dashboard."""

from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, live_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # With htmx the log-in answers HX-Redirect: wait for that page before going elsewhere.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def log_out(page) -> None:
    """Log out as a walker does: open the header's menu, tap Log out."""
    page.locator(".nav-menu > summary").click()
    page.get_by_role("button", name="Log out", exact=True).click()
