"""The installable app's plumbing: manifest, service worker, offline page, replay token."""

import json
import re
import time
import uuid
from datetime import date

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from tests.factories import make_user
from tests.helpers import csrf_token, sign_in_as


def test_the_manifest_names_the_app_and_its_own_icons(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/dashboard"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png.get_data()[16:20]), int.from_bytes(png.get_data()[20:24])
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_served_at_the_root_and_never_cached(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', body)
    assert '"/offline"' in body and '"/static/css/app.css"' in body
    for url in re.findall(r'"(/static/[^"]+)"', body):
        assert client.get(url).status_code == 200, url


def test_every_page_links_the_manifest_and_the_offline_script(client):
    page = client.get("/").get_data(as_text=True)

    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'data-sw="/sw.js"' in page and 'id="sync-badge"' in page


def test_the_offline_page_opens_without_a_session(client):
    response = client.get("/offline")

    assert response.status_code == 200
    assert "You are offline" in response.get_data(as_text=True)


def test_the_replay_token_asks_a_visitor_to_log_in(client):
    response = client.get("/offline/token")

    assert response.status_code == 401
    assert response.json["login_url"] == "/login"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_fresh_replay_token_lets_a_walk_saved_with_an_expired_one_through(
    client, app, monkeypatch
):
    walker = make_user()
    sign_in_as(client, walker)
    old_token = csrf_token(client, "/activities/new")
    entry = {
        "client_id": str(uuid.uuid4()),
        "distance": "1.5",
        "unit": "km",
        "activity_date": date.today().isoformat(),
        "kind": "walk",
    }
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 1)
    time.sleep(2.1)  # itsdangerous counts whole seconds
    assert client.post("/activities/", data={**entry, "csrf_token": old_token}).status_code == 400

    token = client.get("/offline/token")
    assert token.headers["Cache-Control"] == "no-store"
    assert token.json["walker"] == str(walker.id)
    fresh = {**entry, "csrf_token": token.json["csrf_token"]}
    assert client.post("/activities/", data=fresh).status_code == 303
    assert client.post("/activities/", data=fresh).status_code == 303
    count = select(func.count()).select_from(Activity).where(Activity.user_id == walker.id)
    assert db.session.scalar(count) == 1


def test_the_queue_page_carries_a_form_to_fix_a_rejected_walk(client):
    sign_in_as(client, make_user())

    page = client.get("/offline/queue").get_data(as_text=True)

    assert 'id="offline-queue-list"' in page and 'id="activity-form"' in page
