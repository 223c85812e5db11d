"""Bytes on the wire: hashed static names kept for a year, pre-compressed; compressed pages."""

import gzip
import hashlib
import re

import brotli
import pytest

from milequest import create_app, static_files

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/css/app\.[0-9a-f]{12}\.css)">')


def stylesheet_url(client) -> str:
    match = STYLESHEET.search(client.get("/").get_data(as_text=True))
    assert match, "the page names no hashed stylesheet"
    return match.group(1)


def test_a_page_names_its_stylesheet_by_content_and_browsers_keep_it_a_year(client, app):
    url = stylesheet_url(client)

    answer = client.get(url)

    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert url.split(".")[-2] == hashlib.sha256(answer.get_data()).hexdigest()[:12]
    with open(f"{app.static_folder}/css/app.css") as source:  # minified: no comments
        assert "/*" in source.read() and b"/*" not in answer.get_data()


@pytest.mark.parametrize(
    ("accepted", "encoding", "decode"),
    [("br, gzip", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_static_files_go_out_pre_compressed_as_the_browser_accepts(
    client, accepted, encoding, decode
):
    url = stylesheet_url(client)
    plain = client.get(url).get_data()

    answer = client.get(url, headers={"Accept-Encoding": accepted})

    assert answer.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert decode(answer.get_data()) == plain
    assert len(answer.get_data()) < len(plain) / 3


def test_a_plain_static_name_still_answers_but_only_for_a_minute(client):
    answer = client.get("/static/css/app.css")

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "max-age=60, public"


def test_pages_are_compressed_for_a_browser_that_accepts_it(client):
    plain = client.get("/").get_data()

    answer = client.get("/", headers={"Accept-Encoding": "br, gzip"})

    assert answer.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert brotli.decompress(answer.get_data()) == plain


def test_page_compression_is_a_setting_for_when_a_proxy_does_it(app):
    behind_a_proxy = create_app({**app.config, "COMPRESS_RESPONSES": False})

    answer = behind_a_proxy.test_client().get("/", headers={"Accept-Encoding": "br, gzip"})

    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers


def test_only_names_with_a_content_hash_count_as_immutable():
    assert static_files.is_hashed("/static/css/app.54e4ed110b2a.css")
    assert not static_files.is_hashed("/static/css/app.css")
    assert not static_files.is_hashed("/static/vendor/leaflet/images/layers.png")
