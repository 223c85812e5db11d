"""The operator console on a 360 px phone without JavaScript, with something on every page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.models.base import utcnow
from milequest.services.core import emails
from milequest.services.operations import audit_log
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.e2e.test_tap_targets import small_targets
from tests.factories import add_member, add_photo, log, make_journey, make_team, make_user

PAGES = (
    "/ops",
    "/ops/users?q=example",
    "/ops/teams?q=e",
    "/ops/jobs",
    "/ops/outbox",
    "/ops/reviews",
    "/ops/audit",
)


def a_world_to_operate():
    operator = make_user(email="ops@example.com", is_operator=True)
    make_user(email="a-very-long-address-" + "x" * 60 + "@example.com", verified=False)
    team = make_team(make_user(display_name="W" * 60), name="The " + "Very " * 8 + "Long Team")
    make_journey(team)
    walker = add_member(team, make_user(email="walker@example.com")).user
    log(walker, 10, duration_s=3600)  # held for the captain
    stuck = add_photo(log(walker, 2))
    stuck.queued_at = utcnow() - timedelta(hours=1)
    email = emails.queue_email(
        "x@example.com", "S" * 200, "emails/verify.txt", user=None, verify_url="u"
    )
    email.attempts, email.last_error = emails.MAX_ATTEMPTS, "SMTPServerDisconnected: " + "e" * 300
    audit_log.record(operator, "user_confirmed", "user", walker.id)
    db.session.commit()
    return operator, walker


@pytest.mark.committing
def test_the_console_fits_a_phone_and_works_without_javascript(app, phone_without_js, live_url):
    operator, walker = a_world_to_operate()
    page = phone_without_js
    log_in(page, live_url, operator.email)
    offenders = []
    for path in PAGES:
        response = page.goto(live_url + path)
        assert response.status == 200, path
        assert_fits_360(page, path)
        offenders += small_targets(page, path)
    assert offenders == [], "\n".join(offenders)

    page.goto(live_url + "/ops/users?q=walker%40example.com")
    page.get_by_role("button", name="Disable").click()  # a plain form POST, CSRF token and all

    expect(page.locator("#flashes")).to_contain_text("walker@example.com is disabled")
    page.goto(live_url + "/ops/audit")
    expect(page.locator("#audit-log li").first).to_contain_text(
        f"ops@example.com disabled user {walker.id}"
    )
