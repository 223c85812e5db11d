"""Static files under content-hashed names, kept by browsers for a year, sent pre-compressed.

`make setup` (scripts/build_static.py) copies static/ into build/static/ under each file's own
name and under one carrying a hash of its content, with gzip and brotli copies beside them, and
writes the map of names to build/static.json. With that build, `url_for("static", ...)` gives
the hashed name and WhiteNoise serves build/static/ before the app sees the request: a hashed
name never changes meaning, so it is `immutable` for a year; the plain names (what a stylesheet
names relatively, or an old page) get a minute. Without a build Flask serves static/ as it is.
"""

import json
import re
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

YEAR_S = 365 * 24 * 60 * 60
IMMUTABLE = f"public, max-age={YEAR_S}, immutable"
_HASHED = re.compile(r"\.[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")


def init_app(app: Flask) -> None:
    build = Path(app.config["STATIC_BUILD_DIR"])
    manifest = build.with_suffix(".json")
    if not manifest.is_file():
        return
    hashed_names = json.loads(manifest.read_text())

    @app.url_defaults
    def _hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            values["filename"] = hashed_names.get(values["filename"], values["filename"])

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(build),
        prefix=app.static_url_path,
        max_age=60,
        allow_all_origins=False,  # same-origin pages only
        immutable_file_test=lambda path, url: is_hashed(url),
        add_headers_function=_headers,
    )


def is_hashed(url: str) -> bool:
    return bool(_HASHED.search(url))


def _headers(headers, path: str, url: str) -> None:
    if is_hashed(url):  # never asked for again: what revalidates it is bytes for nothing
        headers["Cache-Control"] = IMMUTABLE
        for name in ("Last-Modified", "ETag"):
            del headers[name]
    headers["X-Content-Type-Options"] = "nosniff"
