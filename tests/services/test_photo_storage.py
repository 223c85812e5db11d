"""The storage interface: local files (default) and S3-compatible object storage.

The S3 backend runs against moto's server mode: a third-party fake of the S3 API, the only
S3-compatible server installable here, reached over real HTTP by the real boto3 client.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from milequest.lib import photo_storage
from milequest.lib.photo_storage import LocalStorage


def exercise(store) -> None:
    store.put("originals/abc", b"\xff\xd8\xffbytes", "image/jpeg")
    store.put("thumb/abc.jpg", b"thumb", "image/jpeg")
    assert store.get("originals/abc") == b"\xff\xd8\xffbytes"
    store.put("originals/abc", b"replaced", "image/jpeg")  # re-running a task rewrites
    assert store.get("originals/abc") == b"replaced"
    store.delete("originals/abc")
    store.delete("originals/abc")  # twice is fine
    with pytest.raises(KeyError):
        store.get("originals/abc")
    assert store.get("thumb/abc.jpg") == b"thumb"


def test_local_storage_keeps_files_privately_under_its_root(tmp_path):
    store = LocalStorage(str(tmp_path / "photos"))

    exercise(store)

    assert (tmp_path / "photos" / "thumb" / "abc.jpg").read_bytes() == b"thumb"
    assert oct((tmp_path / "photos" / "thumb").stat().st_mode & 0o777) == "0o700"
    assert not [p for p in (tmp_path / "photos").rglob(".upload-*")]  # no temporary left


def test_local_storage_refuses_keys_that_leave_its_root(tmp_path):
    store = LocalStorage(str(tmp_path / "photos"))

    for key in ("../escape", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            store.put(key, b"x", "text/plain")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_s3_storage_through_configuration(app, s3_server, monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    config = {
        "PHOTO_STORAGE": "s3",
        "PHOTO_STORAGE_DIR": "",
        "PHOTO_S3_BUCKET": "milequest-photos",
        "PHOTO_S3_ENDPOINT_URL": s3_server,
        "PHOTO_S3_REGION": "us-east-1",
    }
    store = photo_storage.from_config(config)
    store.client.create_bucket(Bucket="milequest-photos")

    exercise(store)

    listed = store.client.list_objects_v2(Bucket="milequest-photos")
    assert [o["Key"] for o in listed["Contents"]] == ["thumb/abc.jpg"]
    head = store.client.head_object(Bucket="milequest-photos", Key="thumb/abc.jpg")
    assert head["ContentType"] == "image/jpeg"


def test_an_unknown_backend_is_refused_at_first_use():
    with pytest.raises(RuntimeError, match="PHOTO_STORAGE"):
        photo_storage.from_config({"PHOTO_STORAGE": "ftp"})
