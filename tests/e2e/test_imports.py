"""A walker imports a GPS file from a 360 px phone: the page follows the real worker's progress
by itself with JavaScript, and by the Refresh link without it."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import GpsImport
from tests import gps_builders as files
from tests import real_gps_files as real
from tests.e2e.sessions import log_in
from tests.factories import make_user
from tests.helpers import wait_for


def all_imported(walker_id: int) -> bool:
    db.session.rollback()  # see what the worker committed
    imports = db.session.scalars(select(GpsImport).where(GpsImport.user_id == walker_id)).all()
    return bool(imports) and all(one.status != "queued" for one in imports)


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_importing_a_file_from_a_phone(request, live_url, celery_worker, tmp_path, javascript):
    walker = make_user()
    db.session.commit()
    gpx_file = tmp_path / "morning.gpx"
    gpx_file.write_bytes(files.gpx(start=datetime.now(UTC) - timedelta(days=1)))
    page = request.getfixturevalue("phone" if javascript else "phone_without_js")
    log_in(page, live_url, walker.email)

    page.goto(f"{live_url}/activities/")
    page.get_by_role("link", name="Import GPS files").click()
    page.get_by_label("GPX, TCX or FIT files").set_input_files(str(gpx_file))
    page.get_by_role("button", name="Import").click()

    expect(page.locator("#import-batch")).to_contain_text("morning.gpx")
    if not javascript:
        assert wait_for(lambda: all_imported(walker.id))
        if "Imported" not in page.locator("#import-batch").inner_text():
            page.get_by_role("link", name="Refresh").click()
    expect(page.locator("#import-batch")).to_contain_text("1 activity imported", timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="My activities").click()
    expect(page.locator(".activity-list")).to_contain_text("Imported from morning.gpx")


@pytest.mark.committing
def test_a_real_file_with_tracks_that_cannot_be_imported_says_which_and_why(
    phone, live_url, celery_worker, tmp_path
):
    walker = make_user(timezone="Europe/Ljubljana")
    db.session.commit()
    gpx_file = tmp_path / "korita-zbevnica.gpx"
    gpx_file.write_bytes(real.sample("korita-zbevnica.gpx"))  # an undated track, two of 2010
    log_in(phone, live_url, walker.email)

    phone.goto(f"{live_url}/imports/")
    phone.get_by_label("GPX, TCX or FIT files").set_input_files(str(gpx_file))
    phone.get_by_role("button", name="Import").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Import finished", timeout=15000)
    tracks = phone.locator(".import-tracks li")
    expect(tracks).to_have_count(2)  # the two tracks of 2010 came in, as history
    expect(tracks.nth(0)).to_contain_text("Track 1 “03-OCT-10”: skipped: it has no stretch")
    expect(tracks.nth(1)).to_contain_text("Track 2 “03-OCT-10 #2”: skipped: it has no times")
    expect(phone.locator("#import-batch")).to_contain_text("2 activities imported")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
