"""The export pages: the walker asks, watches, downloads; nobody else can."""

from datetime import UTC, datetime, timedelta

from milequest.extensions import db
from milequest.models import DataExport
from milequest.services.walkers import data_exports
from tests.factories import make_user
from tests.helpers import log_in, post_form, sign_in_as


def _built(walker) -> DataExport:
    """Built in this test's app and transaction (the task itself runs in tests/workers)."""
    export = data_exports.request_export(walker)
    assert data_exports.start_building(export.id)
    data_exports.build_export(export.id)
    return export


def test_asking_from_the_profile_shows_the_progress_page(client):
    walker = make_user()
    log_in(client, walker)

    response = post_form(client, "/account/data/", {}, token_page="/profile")

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gathering your data" in page and "0% done" in page
    assert "being gathered" in client.get("/profile").get_data(as_text=True)


def test_the_walker_downloads_the_zip(client):
    walker = make_user()
    export = _built(walker)
    sign_in_as(client, walker)

    response = client.get(f"/account/data/{export.id}/download")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.data[:2] == b"PK"
    assert "ready to download" in client.get("/profile").get_data(as_text=True)


def test_nobody_else_gets_the_zip(app, client):
    export = _built(make_user())

    assert client.get(f"/account/data/{export.id}/download").status_code == 302  # log in first
    sign_in_as(client, make_user())
    assert client.get(f"/account/data/{export.id}/download").status_code == 404
    assert client.get(f"/account/data/{export.id}").status_code == 404


def test_an_expired_link_is_gone(client):
    walker = make_user()
    export = _built(walker)
    export.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.flush()
    sign_in_as(client, walker)

    assert client.get(f"/account/data/{export.id}/download").status_code == 410
