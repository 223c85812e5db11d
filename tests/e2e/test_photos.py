"""A walker logs a walk with a phone photo; once moderated, a teammate sees it in the feed."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from milequest.models import Activity, Photo
from milequest.services.gallery import photos
from tests import photo_samples as samples
from tests.e2e.sessions import log_in
from tests.factories import add_member, make_journey, make_team, make_user
from tests.workers.test_email import wait_for


def phone_of(browser, live_url, user, javascript: bool):
    """A fresh 360 px browser, logged in as `user`."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    log_in(page, live_url, user.email)
    return context, page


@pytest.mark.committing
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_logged_photo_reaches_the_team_feed(
    browser, live_url, celery_worker, tmp_path, javascript
):
    team = make_team()
    make_journey(team)
    walker, teammate = add_member(team).user, add_member(team).user
    db.session.commit()
    photo_file = tmp_path / "IMG_0001.jpg"
    photo_file.write_bytes(samples.phone_photo())
    context, page = phone_of(browser, live_url, walker, javascript)

    page.goto(f"{live_url}/activities/new")
    page.get_by_label("Distance").fill("0")
    page.get_by_label("Photos (optional, up to 4)").set_input_files(str(photo_file))
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#activity-form")).to_contain_text("above 0")  # 422: nothing logged
    page.get_by_label("Distance").fill("2.5")
    page.get_by_label("Photos (optional, up to 4)").set_input_files(str(photo_file))
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My activities")

    def moderated() -> bool:
        db.session.rollback()
        return db.session.query(Photo).filter(Photo.status == "approved").count() == 1

    assert wait_for(moderated, timeout_s=30)
    assert db.session.query(Photo).count() == 1
    context.close()

    context, page = phone_of(browser, live_url, teammate, javascript)
    page.goto(f"{live_url}/teams/{team.id}")
    thumbnail = page.locator("#team-events img.photo-thumb")
    thumbnail.scroll_into_view_if_needed()  # loading="lazy": fetched once near the viewport
    expect(thumbnail).to_be_visible()
    page.wait_for_function("document.querySelector('#team-events img').naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "feed.png"), full_page=True)
    context.close()


@pytest.mark.committing
def test_a_photo_over_the_limit_is_refused_before_the_upload_and_the_form_is_kept(
    browser, live_url, tmp_path
):
    walker = make_user()
    db.session.commit()
    huge = tmp_path / "IMG_0002.jpg"
    huge.write_bytes(samples.phone_photo() + bytes(photos.MAX_BYTES))
    context, page = phone_of(browser, live_url, walker, javascript=True)

    page.goto(f"{live_url}/activities/new")
    page.get_by_label("Distance").fill("3.5")
    picker = page.get_by_label("Photos (optional, up to 4)")
    picker.set_input_files(str(huge))
    page.get_by_role("button", name="Log it").click()

    assert "IMG_0002.jpg is 10" in picker.evaluate("input => input.validationMessage")
    assert page.url.endswith("/activities/new")
    assert page.get_by_label("Distance").input_value() == "3.5"
    assert db.session.query(Activity).filter(Activity.user_id == walker.id).count() == 0
    context.close()
