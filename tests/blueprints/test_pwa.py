"""The installable app's plumbing: manifest, service worker, offline page, replay token."""

import json
import re
import uuid
from datetime import date

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity, Team
from milequest.services.teamwork import teams
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import csrf_token, post_form, sign_in_as, signing_clock_moved_on


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
    assert '"/offline"' in body and re.search(r'"/static/css/app\.[0-9a-f]{12}\.css"', body)
    for url in re.findall(r'"(/static/[^"]+)"', body):
        assert client.get(url).status_code == 200, url


def test_the_service_worker_precaches_the_hashed_names_pages_use(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    precached = set(json.loads(re.search(r"const PRECACHE = (\[.*?\]);", worker).group(1)))
    page = client.get("/").get_data(as_text=True)
    on_the_page = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page))

    assert on_the_page - {u for u in on_the_page if "apple-touch-icon" in u} <= precached
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in on_the_page)


def test_every_page_links_the_manifest_and_the_offline_script(client):
    page = client.get("/").get_data(as_text=True)

    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'data-sw="/sw.js"' in page and 'id="sync-badge"' in page


def test_the_offline_page_opens_without_a_session(client):
    response = client.get("/offline")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You are offline" in page and 'id="activity-form"' not in page


def test_a_walkers_offline_page_logs_a_walk_and_says_who_they_are(client):
    walker = make_user(display_name="Ada")
    add_member(make_team(name="Hill Striders"), walker)
    sign_in_as(client, walker)

    page = client.get("/offline").get_data(as_text=True)

    assert 'id="activity-form"' in page and 'action="/activities/"' in page
    assert "Logged in as <strong>Ada</strong>" in page and "Hill Striders" in page
    assert ">Log in<" not in page and "Sign up" not in page


def test_the_pages_to_keep_offline_are_the_walkers_log_forms_queue_and_dashboard(client):
    walker = make_user()
    mine = [make_team(), make_team()]
    for team in mine:
        add_member(team, walker)
    left = make_team()
    add_member(left, walker)
    teams.leave_team(left, walker)
    someone_elses = make_team()
    sign_in_as(client, walker)

    response = client.get("/offline/pages")

    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["walker"] == str(walker.id)
    pages = response.json["pages"]
    assert {"/dashboard", "/offline", "/offline/queue", "/activities/new"} <= set(pages)
    for team in mine:
        assert f"/activities/new?team={team.id}" in pages and f"/teams/{team.id}" in pages
    for team in (left, someone_elses):
        assert not [page for page in pages if page.endswith(f"={team.id}")]
        assert f"/teams/{team.id}" not in pages
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_the_pages_to_keep_offline_are_nobodys_without_a_session(client):
    assert client.get("/offline/pages").status_code == 401
    assert client.get("/offline/synced?walk=x&team=").status_code == 401


def test_a_page_fetched_for_the_cache_leaves_the_flash_for_the_next_page(client):
    sign_in_as(client, make_user())
    walk = {"client_id": str(uuid.uuid4()), "distance": "1", "unit": "km", "kind": "walk"}
    walk["activity_date"] = date.today().isoformat()
    post_form(client, "/activities/", walk, token_page="/activities/new")

    kept = client.get("/dashboard", headers={"X-MileQuest-Precache": "1"})
    shown = client.get("/dashboard")

    assert "Logged 1 km" not in kept.get_data(as_text=True)
    assert "Logged 1 km" in shown.get_data(as_text=True)


def synced_report(client, walk, team_id) -> str:
    response = client.get(f"/offline/synced?walk={walk.client_id}&team={team_id}")
    assert response.headers["Cache-Control"] == "no-store"
    [report] = response.json["walks"]
    assert report["client_id"] == str(walk.client_id)
    return report["report"]


def team_of(journey) -> Team:
    return db.session.get(Team, journey.team_id)


def test_a_synced_walk_says_which_teams_it_counts_for(client):
    journey = make_journey()
    walker = add_member(team_of(journey)).user
    walk = log(walker, 2.5)
    sign_in_as(client, walker)

    report = synced_report(client, walk, journey.team_id)

    assert report.startswith("2.5 km walk on ")
    assert report.endswith(f"counts for {team_of(journey).name}.")


def test_a_synced_walk_for_a_team_the_walker_left_says_where_it_went(client):
    journey, elsewhere = make_journey(), make_journey()
    team = team_of(journey)
    walker = add_member(team).user
    add_member(team_of(elsewhere), walker)
    walk = log(walker, 1)
    teams.leave_team(team, walker)  # the same day: it still counts there, by the rule
    sign_in_as(client, walker)

    report = synced_report(client, walk, journey.team_id)

    names = ", ".join(sorted([team.name, team_of(elsewhere).name]))
    assert f"counts for {names}. You have left {team.name}, where you logged it;" in report
    assert report.endswith("it counts there because you were still in the team that day.")


def test_a_synced_walk_of_a_walker_in_no_team_is_in_their_activities(client):
    walker = make_user()
    walk = log(walker, 2)
    sign_in_as(client, walker)

    report = synced_report(client, walk, "")

    assert report.endswith("is in your activities; it counts for no team's journey.")


def test_a_synced_walk_answers_only_for_the_walkers_own_walks_and_teams(client):
    journey = make_journey()
    other = add_member(team_of(journey)).user
    walk = log(other, 3)
    walker = make_user()
    sign_in_as(client, walker)

    response = client.get(f"/offline/synced?walk={walk.client_id}&team={journey.team_id}")

    assert response.json["walks"] == []


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
    signing_clock_moved_on(monkeypatch, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
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
