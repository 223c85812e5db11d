"""`flask backup` then `flask restore` into another database gives back every row and photo."""

import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from milequest.extensions import db
from milequest.lib.photo_storage import LocalStorage, storage
from milequest.services.operations import backups
from tests import databases
from tests.factories import add_member, add_photo, log, make_journey, make_team

pytestmark = pytest.mark.committing


@pytest.fixture
def restore_url(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    url = url.set(database=f"{url.database}_restore")
    databases.recreate(url.render_as_string(hide_password=False))
    return url


def _team_with_walks_and_photos():
    team = make_team()
    make_journey(team)
    walkers = [add_member(team).user for _ in range(3)]
    for n, walker in enumerate(walkers):
        walk = log(walker, 2 + n)
        add_photo(walk, status="approved" if n else None)  # one original alone, two with sizes
    db.session.commit()


def _fingerprints(url) -> dict[str, str]:
    """Each table's rows, hashed in a stable order, and each sequence's position."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = [t.name for t in db.metadata.sorted_tables]
            rows_hash = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            prints = {
                name: connection.scalar(text(f'SELECT {rows_hash} FROM "{name}" t'))
                for name in tables
            }
            for name in connection.scalars(text("SELECT sequencename FROM pg_sequences")):
                prints[name] = str(connection.scalar(text(f'SELECT last_value FROM "{name}"')))
    finally:
        engine.dispose()
    return prints


def test_a_restore_gives_back_every_row_sequence_and_photo_file(app, tmp_path, restore_url):
    _team_with_walks_and_photos()
    manifest = backups.write_backup(tmp_path / "backup", storage())
    restored_photos = LocalStorage(str(tmp_path / "restored-photos"))

    backups.restore_backup(tmp_path / "backup", restored_photos, restore_url)

    assert _fingerprints(restore_url) == _fingerprints(db.engine.url)
    assert manifest["rows"]["activities"] == 3 and manifest["photos_missing"] == []
    assert len(manifest["photos"]) > 3  # originals and the sizes made by moderation
    for key in manifest["photos"]:
        assert restored_photos.get(key) == storage().get(key)


def test_a_migrated_install_without_walkers_takes_a_restore_and_one_with_walkers_refuses_it(
    app, tmp_path, restore_url
):
    _team_with_walks_and_photos()
    backups.write_backup(tmp_path / "backup", storage())
    photos = LocalStorage(str(tmp_path / "restored-photos"))
    backups.restore_backup(tmp_path / "backup", photos, restore_url)

    with pytest.raises(backups.BackupError, match="holds 4 walkers"):
        backups.restore_backup(tmp_path / "backup", photos, restore_url)

    engine = create_engine(restore_url)
    with engine.begin() as connection:  # a full schema with no walkers in it
        connection.execute(text("TRUNCATE users CASCADE"))
    engine.dispose()
    backups.restore_backup(tmp_path / "backup", photos, restore_url)
    assert _fingerprints(restore_url) == _fingerprints(db.engine.url)


def test_a_restore_is_refused_while_a_process_is_connected(app, tmp_path, restore_url):
    _team_with_walks_and_photos()
    backups.write_backup(tmp_path / "backup", storage())
    web = create_engine(restore_url)
    refused = pytest.raises(backups.BackupError, match="1 other connections use this database")
    with web.connect(), refused:  # a web process or worker that was not stopped
        backups.restore_backup(tmp_path / "backup", LocalStorage(str(tmp_path / "p")), restore_url)
    web.dispose()
    backups.restore_backup(tmp_path / "backup", LocalStorage(str(tmp_path / "p")), restore_url)
    assert _fingerprints(restore_url) == _fingerprints(db.engine.url)


def test_a_damaged_backup_is_refused_before_anything_changes(app, tmp_path, restore_url):
    _team_with_walks_and_photos()
    manifest = backups.write_backup(tmp_path / "backup", storage())
    key = next(iter(manifest["photos"]))
    (tmp_path / "backup" / "photos" / key).write_bytes(b"not the photo")

    with pytest.raises(backups.BackupError, match="missing or damaged"):
        backups.restore_backup(tmp_path / "backup", LocalStorage(str(tmp_path / "p")), restore_url)

    engine = create_engine(restore_url)
    with engine.connect() as connection:  # still the bare database recreate() made
        tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        assert connection.scalar(text(tables)) == 0
    engine.dispose()


def test_a_backup_never_overwrites_and_its_manifest_comes_last(app, tmp_path):
    (tmp_path / "backup").mkdir()
    with pytest.raises(backups.BackupError, match="exists"):
        backups.write_backup(tmp_path / "backup", storage())

    manifest = backups.write_backup(tmp_path / "new", storage())
    assert json.loads((tmp_path / "new" / "manifest.json").read_text()) == manifest
    assert not list((tmp_path / "new").glob("*.partial"))


def test_the_commands_round_trip_and_explain_a_refusal(app, tmp_path):
    _team_with_walks_and_photos()
    runner = app.test_cli_runner()

    made = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    assert f"Backup written to {tmp_path / 'b'}" in made.output
    assert (tmp_path / "b" / "manifest.json").is_file()

    refused = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert refused.exit_code != 0
    assert "holds 4 walkers: restore into an empty one" in refused.output
