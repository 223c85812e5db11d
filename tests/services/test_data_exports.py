"""'Download my data': the zip holds everything the walker owns, and its GPX imports back."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib.photo_storage import storage
from milequest.models import Activity, DataExport, OidcIdentity
from milequest.services.gps_imports import imports
from milequest.services.walkers import data_exports
from tests import gps_builders as files
from tests.factories import add_member, add_photo, log, make_team, make_user
from tests.helpers import link_in, outbox
from tests.services.test_counters_concurrency import run_together
from workers.accounts import build_data_export

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def import_files(walker, *uploads):
    batch_id = imports.accept_upload(walker, list(uploads))
    for import_id in imports.queued_ids(batch_id):
        imports.run_import(import_id)
    return imports.batch(walker, batch_id)


def built_zip(walker) -> zipfile.ZipFile:
    export = data_exports.request_export(walker)
    build_data_export(export.id)
    return zipfile.ZipFile(io.BytesIO(storage().get(export.storage_key)))


def count_activities(walker) -> int:
    return db.session.scalar(select(func.count()).where(Activity.user_id == walker.id))


def test_the_zip_holds_profile_activities_tracks_photos_and_teams(app):
    walker = make_user(display_name="Ada Walker")
    db.session.add(
        OidcIdentity(user_id=walker.id, provider="campus", subject="s1", email="ada@campus.example")
    )
    team = make_team(name="Morning Striders")
    add_member(team, walker)
    import_files(walker, ("one.gpx", files.gpx(start=START)))
    import_files(walker, ("two.gpx", files.gpx(start=START - timedelta(days=1))))
    add_photo(log(walker, 2.5, note="Along the canal"), status="approved")

    archive = built_zip(walker)

    names = archive.namelist()
    profile = json.loads(archive.read("profile.json"))
    assert profile["display_name"] == "Ada Walker"
    assert "First walk" in [b["name"] for b in profile["badges"]]
    assert [(p["provider"], p["email"]) for p in profile["sign_in_providers"]] == [
        ("campus", "ada@campus.example")
    ]
    assert [t["team"] for t in json.loads(archive.read("teams.json"))] == ["Morning Striders"]
    csv_lines = archive.read("activities.csv").decode().splitlines()
    assert len(csv_lines) == 1 + 3 and "Along the canal" in csv_lines[-1]
    assert len([n for n in names if n.startswith("gpx/")]) == 2  # the recorded walks only
    [photo] = [n for n in names if n.startswith("photos/")]
    image = Image.open(io.BytesIO(archive.read(photo)))
    assert image.format == "JPEG" and not image.getexif()  # the cleaned copy, no metadata


def test_the_zips_gpx_files_import_back_as_duplicates(app):
    walker = make_user()
    import_files(walker, ("one.gpx", files.gpx(start=START)))
    import_files(walker, ("two.fit", files.fit(start=START - timedelta(days=1))))
    before = count_activities(walker)
    archive = built_zip(walker)
    gpx_files = [(n.split("/")[1], archive.read(n)) for n in archive.namelist() if "gpx/" in n]

    jobs = import_files(walker, *gpx_files)

    assert len(jobs) == 2 and {job.status for job in jobs} == {"duplicate"}
    assert count_activities(walker) == before


def test_the_link_is_emailed_once_the_zip_is_ready(app):
    walker = make_user()
    export = data_exports.request_export(walker)
    assert outbox(walker.email) == []

    build_data_export(export.id)

    db.session.refresh(export)
    assert export.status == "ready" and export.progress == 100
    assert export.expires_at - export.finished_at == timedelta(days=data_exports.EXPORT_DAYS)
    (email,) = outbox(walker.email)
    assert link_in(email, "/account/data/") == f"/account/data/{export.id}/download"


def test_asking_again_while_one_is_on_its_way_gives_the_same_export(app):
    walker = make_user()
    first = data_exports.request_export(walker)

    assert data_exports.request_export(walker).id == first.id


def test_expired_exports_and_their_zips_are_removed(app):
    from workers.accounts import sweep_data_exports

    walker = make_user()
    export = data_exports.request_export(walker)
    build_data_export(export.id)
    export.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    key, export_id = export.storage_key, export.id
    db.session.commit()

    sweep_data_exports()

    assert db.session.get(DataExport, export_id) is None
    with pytest.raises(KeyError):
        storage().get(key)


@pytest.mark.committing
def test_a_double_submit_from_two_threads_is_one_export(app):
    walker = make_user()
    db.session.commit()
    walker_id = walker.id

    def ask():  # as the view does, inside a request
        from milequest.models import User

        with app.test_request_context():
            data_exports.request_export(db.session.get(User, walker_id))

    assert run_together(app, [ask, ask]) == []
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


@pytest.mark.committing
def test_the_walkers_page_sees_the_progress_while_the_zip_is_built(app, monkeypatch):
    from sqlalchemy import text

    from milequest.services.walks import gpx_exports

    walker = make_user()
    import_files(walker, ("one.gpx", files.gpx(start=START)))
    export = data_exports.request_export(walker)
    db.session.commit()
    seen, gpx_files = [], gpx_exports.recorded_walk_documents

    def looking_on(user):  # what another connection (the walker's page) reads mid-build
        with db.engine.connect() as page:
            seen.append(page.execute(text("SELECT status, progress FROM data_exports")).one())
        yield from gpx_files(user)

    monkeypatch.setattr(gpx_exports, "recorded_walk_documents", looking_on)

    build_data_export(export.id)

    assert [tuple(row) for row in seen] == [("building", 10)]
    db.session.expire_all()
    assert (export.status, export.progress) == ("ready", 100)
