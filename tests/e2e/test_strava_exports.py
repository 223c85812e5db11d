"""A walker brings their Strava history in from a 360 px phone: one zip, a progress bar that the
real worker moves, and the walks listed as history."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import make_user
from tests.strava_export import strava_export


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_importing_a_strava_export_from_a_phone(
    request, live_url, celery_worker, tmp_path, javascript
):
    walker = make_user()
    db.session.commit()
    export = tmp_path / "export_12345.zip"
    export.write_bytes(strava_export())
    page = request.getfixturevalue("phone" if javascript else "phone_without_js")
    log_in(page, live_url, walker.email)

    page.goto(f"{live_url}/imports/")
    page.get_by_label("or your Strava export").set_input_files(str(export))
    page.get_by_role("button", name="Import").click()

    bar = page.locator("#import-batch progress")
    expect(bar).to_have_attribute("max", "5")  # 4 GPS files, and activities.csv
    if not javascript:  # the page moves only when asked: ask until the worker is through
        refresh = page.get_by_role("link", name="Refresh")
        for _ in range(300):  # each round trip is a real request: no sleeping
            if not refresh.is_visible():
                break
            refresh.click()
            page.wait_for_load_state()
    expect(bar).to_have_attribute("value", "5", timeout=20000)
    expect(page.locator("#import-batch")).to_contain_text("5 of 5 files done")
    expect(page.locator("#import-batch")).to_contain_text("4 activities imported")
    assert bar.bounding_box()["width"] > 200  # a bar across the phone, not a sliver
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="My activities").click()
    expect(page.locator(".activity-list")).to_contain_text("Fenix walk, with a comma")
    expect(page.locator(".activity-list .badge", has_text="history")).to_have_count(4)
