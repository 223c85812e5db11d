"""Import pages: upload, per-file progress that polls until done, GPX export round trip."""

import io
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from milequest.blueprints import imports as import_views
from milequest.extensions import db
from milequest.models import Activity, GpsImport
from milequest.services.gps_imports import imports
from milequest.services.walks import activities
from tests import gps_builders as files
from tests import real_gps_files as real
from tests.factories import log, make_user
from tests.helpers import HTMX_HEADERS, csrf_token, sign_in_as

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def upload(client, *named_files):
    data = {
        "csrf_token": csrf_token(client, "/imports/"),
        "files": [(io.BytesIO(content), name) for name, content in named_files],
    }
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def import_real_file(walker, name: str, today: date, monkeypatch) -> None:
    """Import a file of tests/data/gps with the walker's today moved to when it was recorded."""
    monkeypatch.setattr(activities, "today_for", lambda walker: today)
    batch_id = imports.accept_upload(walker, [(name, real.sample(name))])
    imports.run_import(imports.queued_ids(batch_id)[0])


def run_queued():
    for import_id in db.session.scalars(select(GpsImport.id).where(GpsImport.status == "queued")):
        imports.run_import(import_id)


def test_uploading_files_shows_each_files_progress_until_done(app, client):
    walker = make_user()
    sign_in_as(client, walker)

    response = upload(client, ("walk.gpx", files.gpx(start=START)), ("cut.gpx", b"<gpx"))

    assert response.status_code == 303
    page_url = response.headers["Location"]
    waiting = client.get(page_url).get_data(as_text=True)
    assert "walk.gpx" in waiting and "Waiting" in waiting and 'hx-trigger="every 2s"' in waiting
    assert "Refresh" in waiting  # the no-JS twin of the polling
    run_queued()
    fragment = client.get(page_url, headers=HTMX_HEADERS).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="import-batch"')
    assert "1 activity imported" in fragment and "not complete XML" in fragment
    assert "hx-trigger" not in fragment  # done: polling stops


def test_an_upload_without_files_is_refused_with_the_form(app, client):
    sign_in_as(client, make_user())

    response = upload(client)

    assert response.status_code == 422
    assert "Choose at least one" in response.get_data(as_text=True)


def test_another_walkers_upload_is_not_found(app, client):
    owner = make_user()
    batch_id = imports.accept_upload(owner, [("walk.gpx", files.gpx(start=START))])
    sign_in_as(client, make_user())

    assert client.get(f"/imports/{batch_id}").status_code == 404


def test_the_gpx_export_reimports_as_all_duplicates(app, client):
    walker = make_user()
    log(walker, 3.5, note="typed by hand")
    batch_id = imports.accept_upload(walker, [("walk.gpx", files.gpx(start=START))])
    imports.run_import(imports.queued_ids(batch_id)[0])
    sign_in_as(client, walker)
    before = db.session.scalar(select(func.count()).select_from(Activity))

    export = client.get("/activities/export.gpx")
    assert export.status_code == 200 and export.mimetype == "application/gpx+xml"
    assert len(re.findall("<trkpt", export.get_data(as_text=True))) == len(files.WALK)
    response = upload(client, ("export.gpx", export.data))
    run_queued()

    job = db.session.scalar(select(GpsImport).order_by(GpsImport.id.desc()))
    assert response.status_code == 303
    assert job.status == "duplicate" and "2 activities skipped" in job.message
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before


def test_the_activities_page_links_import_and_gpx_export(app, client):
    sign_in_as(client, make_user())

    page = client.get("/activities/").get_data(as_text=True)

    assert "/imports/" in page and "/activities/export.gpx" in page


def test_a_captain_sees_held_activities_on_the_team_page_and_approves_one(app, client):
    from tests.services.test_activity_reviews import team_on_a_journey

    walker = make_user(display_name="Speedy Sam")
    team, journey = team_on_a_journey(walker)
    held = log(walker, 5, duration_s=30 * 60)
    sign_in_as(client, team.created_by)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert 'id="held-activities"' in page and "Speedy Sam" in page
    response = client.post(
        f"/teams/{team.id}/reviews/{held.id}",
        data={"csrf_token": csrf_token(client), "decision": "approve", "back": "team"},
    )

    assert response.status_code == 303 and response.headers["Location"] == f"/teams/{team.id}"
    db.session.refresh(journey)
    assert journey.distance_m == 5000
    assert "Speedy Sam" in client.get(f"/teams/{team.id}").get_data(as_text=True)  # the log


def test_members_do_not_see_the_review_list(app, client):
    from tests.services.test_activity_reviews import team_on_a_journey

    walker = make_user()
    team, _ = team_on_a_journey(walker)
    log(walker, 5, duration_s=30 * 60)
    sign_in_as(client, walker)

    assert 'id="held-activities"' not in client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert client.get(f"/teams/{team.id}/reviews/").status_code == 403


def test_an_upload_over_the_request_limit_names_the_limits_and_stores_nothing(
    app, client, monkeypatch
):
    sign_in_as(client, make_user())
    token = csrf_token(client, "/imports/")
    monkeypatch.setattr(import_views, "MAX_REQUEST_BYTES", 2**20)  # imports raise the app's

    response = client.post(
        "/imports/",
        data={"csrf_token": token, "files": [(io.BytesIO(bytes(2**20)), "huge.gpx")]},
        content_type="multipart/form-data",
        headers={"Referer": "http://localhost/imports/"},
    )

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That upload is too large" in page and "20 MB in all" in page and "10 MB each" in page
    assert "a Strava export up to 1024 MB" in page
    assert 'href="http://localhost/imports/">Back to the form' in page
    assert db.session.scalar(select(func.count()).select_from(GpsImport)) == 0


def test_uploads_are_rate_limited_per_walker(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_UPLOADS", "2 per hour")
    sign_in_as(client, make_user())

    codes = [upload(client, ("walk.gpx", files.gpx(start=START))).status_code for _ in range(3)]
    sign_in_as(client, make_user())
    someone_else = upload(client, ("walk.gpx", files.gpx(start=START))).status_code

    assert codes == [303, 303, 429]
    assert someone_else == 303


def test_the_status_page_says_when_the_import_is_finished(app, client):
    sign_in_as(client, make_user())
    page_url = upload(client, ("walk.gpx", files.gpx(start=START))).headers["Location"]
    assert "<h1>Importing your files</h1>" in client.get(page_url).get_data(as_text=True)

    run_queued()

    page = client.get(page_url).get_data(as_text=True)
    fragment = client.get(page_url, headers=HTMX_HEADERS).get_data(as_text=True)
    assert "<title>Import finished" in page and "<h1>Import finished</h1>" in page
    assert "<h1>Import finished</h1>" in fragment  # the polled part swaps its heading too
    assert "Importing your files" not in page + fragment


def test_each_track_not_imported_is_listed_with_its_date_and_reason(app, client):
    sign_in_as(client, make_user(timezone="Europe/Ljubljana"))
    page_url = upload(client, ("korita.gpx", real.sample("korita-zbevnica.gpx")))
    run_queued()

    page = client.get(page_url.headers["Location"]).get_data(as_text=True)

    tracks = re.findall(r"<li>(.*?)</li>", page.split('class="import-tracks"')[1])
    assert len(tracks) == 2  # its two dated tracks, from 2010, came in as history
    assert tracks[0] == "Track 1 “03-OCT-10”: skipped: it has no stretch of at least 2 points."
    assert "Track 2 “03-OCT-10 #2”: skipped: it has no times" in tracks[1]


def test_the_activity_page_says_when_the_devices_own_total_differs(app, client, monkeypatch):
    walker = make_user()
    import_real_file(
        walker, "2_activities_2_tracks_many_laps_trackpoints.tcx", date(2020, 9, 25), monkeypatch
    )
    measured, agreeing = db.session.scalars(
        select(Activity).where(Activity.user_id == walker.id).order_by(Activity.distance_m.desc())
    )
    sign_in_as(client, walker)

    page = client.get(f"/activities/{measured.id}/edit").get_data(as_text=True)
    other = client.get(f"/activities/{agreeing.id}/edit").get_data(as_text=True)

    assert "Your device reported 2.0 km; we measured 3.0 km" in page
    assert 'id="device-distance"' not in other  # 1,992 m measured against 2,000 m: within 2 %


def test_an_exported_track_keeps_its_recorded_spans_as_segments(app, client, monkeypatch):
    walker = make_user()
    import_real_file(walker, "garmin-forerunner-10-output.gpx", date(2013, 6, 14), monkeypatch)
    sign_in_as(client, walker)

    export = client.get("/activities/export.gpx").get_data(as_text=True)

    assert export.count("<trkseg>") == 7
