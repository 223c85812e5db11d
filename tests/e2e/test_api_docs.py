"""The API's docs in a browser: the reference without JavaScript, the explorer (Swagger UI
from npm, served by the app) with it."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import make_user


@pytest.mark.committing
def test_the_explorer_lists_the_operations_from_the_apps_own_files(app, phone, live_url):
    walker = make_user()
    db.session.commit()
    outside = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_url) else None)
    log_in(phone, live_url, walker.email)
    phone.goto(f"{live_url}/api/v1/docs/explorer")
    expect(phone.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    expect(phone.locator(".swagger-ui")).to_contain_text("/api/v1/me/activities")
    assert outside == []


def test_the_reference_reads_without_javascript(phone_without_js, live_url):
    phone_without_js.goto(f"{live_url}/api/v1/docs")
    expect(phone_without_js.locator("#health-apps")).to_contain_text("phone's health app")
    expect(phone_without_js.locator("main")).to_contain_text("POST /api/v1/health/daily-totals")
