"""A walker looks at their imported track on a 360 px phone: an SVG without JavaScript,
Leaflet only when they ask for it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.services.gps_imports import imports
from tests import gps_builders as files
from tests.e2e.sessions import log_in
from tests.e2e.test_layout import assert_fits_360
from tests.factories import make_user


def imported(walker, name: str) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    batch_id = imports.accept_upload(walker, [(name, files.gpx(start=start))])
    imports.run_import(imports.queued_ids(batch_id)[0])


@pytest.mark.committing
def test_the_track_map_fits_a_phone_without_javascript(phone_without_js, live_url):
    walker = make_user()
    imported(walker, "morning.gpx")
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
    expect(page.locator("#track-map-open")).to_be_hidden()  # Leaflet needs JavaScript
    assert_fits_360(page, "the activity's edit page")


@pytest.mark.committing
def test_show_on_a_map_loads_leaflet_only_when_asked(phone, live_url):
    walker = make_user()
    imported(walker, "evening.gpx")
    db.session.commit()
    page, leaflet_loads, messages = phone, [], []
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    leaflet_js = re.compile(r"/leaflet/leaflet\.([0-9a-f]{12}\.)?js$")  # a content-hashed name
    page.on("request", lambda r: leaflet_loads.append(r.url) if leaflet_js.search(r.url) else None)
    page.on("console", lambda m: messages.append(m.text))
    log_in(page, live_url, walker.email)

    page.goto(f"{live_url}/activities/")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("img", name="Your recorded track")).to_be_visible()
    assert not leaflet_loads
    page.get_by_role("button", name="Show on a map").click()

    page.wait_for_selector("#route-map-live.leaflet-container path.leaflet-interactive")
    assert len(leaflet_loads) == 1
    expect(page.locator("#track-map-open")).to_be_hidden()
    assert_fits_360(page, "the activity's edit page with Leaflet")
    assert not [m for m in messages if "Content Security Policy" in m]
