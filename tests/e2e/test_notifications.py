"""The header's unread count and the notification centre on a 360 px phone, with and without JS."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.models.notification import NotificationKind
from milequest.services.notifications import inbox
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import ONE_ROW_PX, assert_fits_360, header_height
from tests.factories import make_team, make_user


def notify(user, cause: str, title: str, link: str) -> None:
    draft = inbox.Draft(NotificationKind.MILESTONE, cause, title, link, "Well walked, team.")
    inbox.create(user, draft)


def bell(page):
    return page.locator("#notification-badge")


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_unread_count_and_the_centre_on_a_phone(app, browser, live_url, javascript):
    walker = make_user(display_name="C" * 60)
    team = make_team(walker, name="Loch Walkers")
    notify(walker, "a", "Loch Walkers reached Perth", f"/teams/{team.id}")
    notify(walker, "b", "Loch Walkers reached Inverness", f"/teams/{team.id}")
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    log_in(page, live_url, walker.email)

    expect(bell(page)).to_have_attribute("aria-label", "Notifications, 2 unread")
    expect(bell(page).locator(".notify-count")).to_have_text("2")
    box = bell(page).bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert header_height(page) <= ONE_ROW_PX

    bell(page).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert_fits_360(page, "/notifications/")
    page.get_by_role("button", name="Loch Walkers reached Perth").click()
    expect(page).to_have_url(f"{live_url}/teams/{team.id}")
    expect(bell(page)).to_have_attribute("aria-label", "Notifications, 1 unread")

    bell(page).click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(bell(page).locator(".notify-count")).to_have_count(0)
    expect(page.locator(".notify-item--unread")).to_have_count(0)
    context.close()


@pytest.mark.committing
def test_the_count_comes_in_while_the_page_is_open(app, phone, live_url, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFICATION_POLL_S", 1)
    walker = make_user()
    db.session.commit()
    log_in(phone, live_url, walker.email)
    expect(bell(phone)).to_have_attribute("aria-label", "Notifications")

    notify(walker, "late", "A member joined", "/teams/")
    db.session.commit()

    expect(bell(phone).locator(".notify-count")).to_have_text("1", timeout=15_000)
    expect(bell(phone)).to_have_attribute("aria-label", "Notifications, 1 unread")
