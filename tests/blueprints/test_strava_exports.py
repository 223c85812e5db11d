"""A Strava export through the import form: past the app's usual request limit, with progress."""

import io

from sqlalchemy import select

from milequest.blueprints import imports as import_views
from milequest.extensions import db
from milequest.models import GpsImport
from tests.blueprints.test_imports import run_queued, upload
from tests.factories import make_user
from tests.helpers import sign_in_as
from tests.strava_export import strava_export


def jobs_of(walker) -> list[GpsImport]:
    query = select(GpsImport).where(GpsImport.user_id == walker.id).order_by(GpsImport.id)
    return list(db.session.scalars(query))


def test_an_export_larger_than_the_app_limit_imports_and_shows_its_progress(app, client):
    walker = make_user()
    sign_in_as(client, walker)
    video = {"media/ride.mp4": bytes(app.config["MAX_CONTENT_LENGTH"] + 2**20)}  # never read

    response = upload(client, ("export_1.zip", strava_export(extra=video)))

    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert [j.status for j in jobs_of(walker)] == ["queued"] * 4 + ["refused"]
    waiting = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 of 5 files done (20%)" in waiting and 'max="5" value="1"' in waiting
    run_queued()
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "5 of 5 files done" in done
        and 'value="5"' in done
        and '<div id="import-batch" aria-live' in done
    )
    assert "4 activities imported · 0 skipped · 1 not imported" in done
    assert "(Weight Training) had no GPS file" in done
    assert "Fenix walk, with a comma" in done and "1002.fit" in done


def test_a_big_upload_lists_only_the_files_not_imported(app, client, monkeypatch):
    monkeypatch.setattr(import_views, "LIST_LIMIT", 2)
    walker = make_user()
    sign_in_as(client, walker)
    damaged = {"activities/9.gpx.gz": b"\x1f\x8b not really gzip"}

    response = upload(client, ("export_1.zip", strava_export(extra=damaged)))
    run_queued()
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "6 of 6 files done" in page and "2 not imported" in page
    assert page.count('class="import-item') == 2 and "9.gpx" in page and "damaged" in page


def test_a_stranger_meets_the_usual_request_limit(app, client):
    too_big = bytes(app.config["MAX_CONTENT_LENGTH"] + 2**20)  # read to disk only for a walker

    files = {"files": [(io.BytesIO(too_big), "export_1.zip")]}
    response = client.post("/imports/", data=files, content_type="multipart/form-data")

    assert response.status_code == 413
    assert db.session.scalar(select(GpsImport.id).limit(1)) is None
