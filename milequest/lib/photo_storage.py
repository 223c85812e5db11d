"""Where photo bytes live: the one module that knows which backend runs.

`PHOTO_STORAGE = "local"` (default) keeps files under `PHOTO_STORAGE_DIR` (var/photos), never
served directly; `"s3"` uses any S3-compatible object store through boto3 (`PHOTO_S3_BUCKET`,
`PHOTO_S3_ENDPOINT_URL`, `PHOTO_S3_REGION`, credentials from boto3's usual environment). Both
keep every object private: the photos blueprint serves derived images after authorization.
"""

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app


class PhotoStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the bytes whole or not at all; raises OSError when they cannot be stored."""

    def get(self, key: str) -> bytes:
        """The stored bytes; raises KeyError when there is no such object."""

    def delete(self, key: str) -> None:
        """Remove the object if it exists (deleting twice is fine)."""


class LocalStorage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Write then rename: a reader never sees half a file, a crash leaves no torn one, and
        # a failed write (a full disk: OSError ENOSPC) leaves no partial temporary file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, **client_options) -> None:
        import boto3  # only deployments that choose S3 pay for the import

        self.bucket = bucket
        self.client = boto3.client("s3", **client_options)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def from_config(config) -> PhotoStorage:
    if config["PHOTO_STORAGE"] == "s3":
        options = {"endpoint_url": config["PHOTO_S3_ENDPOINT_URL"] or None}
        if config["PHOTO_S3_REGION"]:
            options["region_name"] = config["PHOTO_S3_REGION"]
        return S3Storage(config["PHOTO_S3_BUCKET"], **options)
    if config["PHOTO_STORAGE"] == "local":
        return LocalStorage(config["PHOTO_STORAGE_DIR"])
    raise RuntimeError(f"Unknown PHOTO_STORAGE {config['PHOTO_STORAGE']!r}: use local or s3")


def storage() -> PhotoStorage:
    """The configured backend, made once per app (an S3 client is reusable across threads)."""
    cache = current_app.extensions.setdefault("photo_storage", {})
    settings = tuple(
        current_app.config[k]
        for k in ("PHOTO_STORAGE", "PHOTO_STORAGE_DIR", "PHOTO_S3_BUCKET", "PHOTO_S3_ENDPOINT_URL")
    )
    if settings not in cache:
        cache[settings] = from_config(current_app.config)
    return cache[settings]


def delete_objects(keys: list[str]) -> None:
    """Remove these objects from the configured backend (after a commit: see commit_hooks)."""
    store = storage()
    for key in keys:
        store.delete(key)
