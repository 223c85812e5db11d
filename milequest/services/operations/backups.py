"""`flask backup` and `flask restore`: the database and the photo store, consistent together.

The dump and the list of photos come from one snapshot of the database (`pg_export_snapshot`),
so the photos copied are those of the rows dumped. Objects are written before their row commits
and removed only after its deletion commits: a photo deleted while the backup runs is the one
case where a dumped row may lack its object, and the manifest names it.

A backup is a directory: `database.dump` (pg_dump's custom format), `photos/<key>`, and
`manifest.json` (what was taken, when, from which schema revision, with sizes, checksums and
row counts). Redis holds nothing to keep: queued work waits in the database.
"""

import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from milequest.extensions import db
from milequest.lib.photo_storage import PhotoStorage
from milequest.models.photo import storage_keys
from milequest.refusals import Refused

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
PHOTOS = "photos"


class BackupError(Refused):
    """The backup or restore cannot go on; the message says why, for the operator."""


def write_backup(target: Path, photo_store: PhotoStorage) -> dict[str, Any]:
    """Write a backup into `target`, a directory that must not exist yet; return its manifest."""
    if target.exists():
        raise BackupError(f"{target} exists: a backup goes into a new directory")
    (target / PHOTOS).mkdir(parents=True)
    url = db.engine.url
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target / DUMP}",
                ],
                url,
            )
            tokens = list(connection.scalars(text("SELECT token FROM photos ORDER BY id")))
            rows = _row_counts(connection)
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    photos, missing = _copy_photos(tokens, photo_store, target / PHOTOS)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_revision": revision,
        "database": _file_entry(target / DUMP),
        "rows": rows,
        "photos": photos,
        "photos_missing": missing,
    }
    _write_json(target / MANIFEST, manifest)
    return manifest


def restore_backup(source: Path, photo_store: PhotoStorage, database: URL) -> dict[str, Any]:
    """Bring the backup in `source` back into `database`, which must hold no walkers.

    The database's schema is replaced whole: it is refused while anything else is connected.
    """
    manifest = read_manifest(source)
    engine = create_engine(database, poolclass=NullPool)
    try:
        _refuse_unless_empty(engine)
        _refuse_while_connected(engine)
        with engine.begin() as connection:  # an empty install may be migrated: start bare
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(source / DUMP),
            ],
            database,
        )
        with engine.connect() as connection:
            restored = _row_counts(connection)
    finally:
        engine.dispose()
    if restored != manifest["rows"]:
        raise BackupError(
            f"restored rows differ from the manifest: {restored} != {manifest['rows']}"
        )
    for key in manifest["photos"]:  # objects are private: the app serves them with its own type
        photo_store.put(key, (source / PHOTOS / key).read_bytes(), "application/octet-stream")
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, once every file it lists is there with its size and checksum."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r}; this version reads {FORMAT}")
    expected = {DUMP: manifest["database"]} | {
        f"{PHOTOS}/{key}": entry for key, entry in manifest["photos"].items()
    }
    for name, entry in expected.items():
        path = source / name
        if not path.is_file() or _file_entry(path) != entry:
            raise BackupError(f"{name} is missing or damaged (size or sha256 differs)")
    return manifest


def _refuse_while_connected(engine: Engine) -> None:
    others = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with engine.connect() as connection:
        connected = connection.scalar(others)
    if connected:
        raise BackupError(
            f"{connected} other connections use this database: stop the web processes, "
            "workers and beat first"
        )


def _refuse_unless_empty(engine: Engine) -> None:
    if not inspect(engine).has_table("users"):
        return
    with engine.connect() as connection:
        walkers = connection.scalar(select(func.count()).select_from(table("users")))
    if walkers:
        raise BackupError(f"this database holds {walkers} walkers: restore into an empty one")


def _row_counts(connection: Connection) -> dict[str, int]:
    counts = {}
    for name in sorted(t.name for t in db.metadata.sorted_tables):
        counts[name] = connection.scalar(select(func.count()).select_from(table(name))) or 0
    return counts


def _copy_photos(
    tokens: list[str], photo_store: PhotoStorage, folder: Path
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Copy each photo's objects; a derived size not made yet is not missing, an original is."""
    copied, missing = {}, []
    for token in tokens:
        original, *derived = storage_keys(token)
        for key in (original, *derived):
            try:
                data = photo_store.get(key)
            except KeyError:
                if key == original:
                    missing.append(key)
                continue
            path = folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            copied[key] = _file_entry(path)
    return copied, missing


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _write_json(path: Path, value: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(value, indent=2, sort_keys=True))
    os.replace(partial, path)  # a manifest exists only once the backup is whole


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool on `url`; the password goes by environment, not argv."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    address = url.set(drivername="postgresql", password=None)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    dbname = f"--dbname={address.render_as_string(hide_password=False)}"
    result = subprocess.run([*command, dbname], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
