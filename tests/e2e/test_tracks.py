"""A walker looks at their imported track on a 360 px phone with JavaScript off."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.services import imports
from tests import gps_builders as files
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import make_user


@pytest.mark.committing
def test_the_track_map_fits_a_phone_without_javascript(phone_without_js, live_url):
    walker = make_user()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    batch_id = imports.accept_upload(walker, [("morning.gpx", files.gpx(start=start))])
    imports.run_import(imports.queued_ids(batch_id)[0])
    db.session.commit()
    page = phone_without_js
    log_in(page, live_url, walker.email)

    page.goto(f"{live_url}/activities/")
    page.get_by_role("link", name="Edit").click()

    track = page.get_by_role("img", name="Your recorded track")
    expect(track).to_be_visible()
    box = track.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] > 100
    expect(page.locator("#track-map figcaption")).to_contain_text("km recorded")
    assert_fits_360(page, "the activity's edit page")
