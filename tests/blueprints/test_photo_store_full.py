"""A full disk under the photo store: uploads are refused, walks are kept, nothing half-written.

The store's directory is a real, tiny tmpfs (mounting one needs root, as CI and the developers'
machines have), filled until only a few kilobytes are left: writes really fail with ENOSPC,
after writing part of the file.
"""

import io
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity, Photo
from tests import photo_samples as samples
from tests.blueprints.test_photos import log_form
from tests.factories import team_walk
from tests.helpers import post_form, sign_in_as

FREE_BYTES = 12 * 1024  # less than any sample photo: each write fails part-way


@pytest.fixture
def full_photo_store(app):
    """The photo store on a tmpfs with FREE_BYTES left; the filler file is all it holds."""
    root = Path(app.config["PHOTO_STORAGE_DIR"])
    root.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(root)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.strip()}")
    try:
        filler = root / "filler"
        with filler.open("wb", buffering=0) as out:
            try:
                while out.write(b"\0" * 4096):
                    pass
            except OSError:
                pass
        os.truncate(filler, filler.stat().st_size - FREE_BYTES)
        yield root
    finally:
        subprocess.run(["umount", "--lazy", str(root)], check=True)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "filler")


def count(model, **where) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return db.session.scalar(query)


def test_a_walk_logged_with_a_photo_on_a_full_disk_is_saved_without_it(client, full_photo_store):
    _, walker, _ = team_walk()
    sign_in_as(client, walker)
    activities_before = count(Activity, user_id=walker.id)
    data = samples.phone_photo(seed=3)
    assert len(data) > FREE_BYTES
    photo = (io.BytesIO(data), "loch.jpg")

    response = post_form(
        client,
        "/activities/",
        log_form(distance="2.5", unit="mi", note="Loch walk", photos=[photo]),
    )

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged 2.5 mi, without its photos" in page and "photo storage is full" in page
    (walk,) = db.session.scalars(
        select(Activity).where(Activity.user_id == walker.id, Activity.note == "Loch walk")
    )
    assert float(walk.distance_m) == pytest.approx(2.5 * 1609.344)
    assert count(Activity, user_id=walker.id) == activities_before + 1
    assert count(Photo, user_id=walker.id) == 0
    assert stored_files(full_photo_store) == []  # no torn temporary file, no original


def test_photos_added_to_a_walk_on_a_full_disk_are_refused_whole(app, client, full_photo_store):
    """The first photo fits, the second does not: neither is kept, file nor row."""
    _, walker, walk = team_walk()
    sign_in_as(client, walker)
    small = samples.phone_photo(seed=4)
    big = samples.phone_photo(seed=5)
    assert len(big) > FREE_BYTES + 4096  # more than the room left once the first is in
    filler = full_photo_store / "filler"
    # Room for the first photo and a little more: the second write fails part-way.
    os.truncate(filler, filler.stat().st_size - len(small))
    upload = [(io.BytesIO(small), "one.jpg"), (io.BytesIO(big), "two.jpg")]

    response = post_form(client, f"/activities/{walk.id}/photos", {"photos": upload})

    assert response.status_code == 422
    assert "photo storage is full" in response.get_data(as_text=True)
    assert count(Photo, activity_id=walk.id) == 0
    assert db.session.get(Activity, walk.id) is not None
    assert stored_files(full_photo_store) == []
