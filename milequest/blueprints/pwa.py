"""The installable app: manifest, service worker (root scope), offline page, replay token.

The service worker is served by a view (not /static/) so that its scope is the whole site; its
cache name carries a hash of everything it precaches, so a deploy that changes them replaces
the old cache. It precaches static files under the content-hashed names pages use
(milequest/static_files.py), so a page's files come from that cache offline. For a logged-in
walker it also keeps the pages that logging a walk offline needs (`walker_pages`), fetched
with the PRECACHE_HEADER so that they leave flash messages alone.
"""

import hashlib
import uuid
from functools import cache

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from milequest.forms.activities import blank_form, form_context
from milequest.services.teamwork import teams
from milequest.services.walks import activities, synced_walks

bp = Blueprint("pwa", __name__)
PRECACHE_HEADER = "X-MileQuest-Precache"
PRECACHED_STATIC = (
    "css/app.css",
    "vendor/htmx.min.js",
    "vendor/idb-keyval.js",
    "js/offline-queue.js",
    "js/offline.js",
    "js/timezone.js",
    "img/favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)
THEME_COLOUR = "#0f766e"


@bp.get("/sw.js")
def service_worker():
    body = render_template(
        "pwa/sw.js",
        version=_assets_version(
            current_app.static_folder, current_app.template_folder, tuple(_static_urls())
        ),
        precache=[url_for("pwa.offline"), *_static_urls()],
        queue_script=url_for("static", filename="js/offline-queue.js"),
        idb_script=url_for("static", filename="vendor/idb-keyval.js"),
        offline_url=url_for("pwa.offline"),
        pages_url=url_for("pwa.walker_pages"),
        token_url=url_for("pwa.replay_token"),
        synced_url=url_for("pwa.synced"),
        precache_header=PRECACHE_HEADER,
        session_urls=[url_for("accounts.logout"), url_for("accounts.login")],
    )
    # Browsers check for a new worker on navigation; never let a cache hide one.
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/manifest.webmanifest")
def manifest():
    icons = [
        _icon("icons/icon-192.png", 192, "any"),
        _icon("icons/icon-512.png", 512, "any"),
        _icon("icons/icon-maskable-512.png", 512, "maskable"),
    ]
    response = jsonify(
        id="/",
        name="Mile Quest",
        short_name="Mile Quest",
        description="Your team's everyday walks, one big journey along a real route.",
        start_url=url_for("pages.dashboard"),
        scope="/",
        display="standalone",
        background_color="#f6f9f8",
        theme_color=THEME_COLOUR,
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.before_app_request
def _keep_flashes_for_the_walkers_next_page():
    # A page fetched for the cache is not seen now: a message waiting in the session (the
    # "Logged 3 km" of a post the walker just made) belongs to the page they open next.
    if request.headers.get(PRECACHE_HEADER):
        request_ctx.flashes = []


@bp.get("/offline")
def offline():
    """Shown for a page not saved on this phone; a walker's copy carries a form to log with."""
    if not current_user.is_authenticated:
        return render_template("pwa/offline.html", form=None)
    today = activities.today_for(current_user)
    form = blank_form(current_user.units, today)
    return render_template(
        "pwa/offline.html", teams=teams.teams_for(current_user), **form_context(form, today)
    )


@bp.get("/offline/pages")
def walker_pages():
    """The pages a walker needs to log a walk offline, for the service worker to keep."""
    if not current_user.is_authenticated:
        return _no_store(jsonify(error="log in first")), 401
    team_ids = [team.id for team in teams.teams_for(current_user)]
    pages = [
        url_for("pages.dashboard"),
        url_for("pwa.offline"),
        url_for("pwa.queue"),
        url_for("activities.new"),
        *[url_for("activities.new", team=team_id) for team_id in team_ids],
        *[url_for("teams.show", team_id=team_id) for team_id in team_ids],
    ]
    return _no_store(jsonify(walker=str(current_user.id), pages=pages))


@bp.get("/offline/synced")
def synced():
    """Where the walks just replayed went: one sentence each, for the page to show."""
    if not current_user.is_authenticated:
        return _no_store(jsonify(error="log in first")), 401
    walks = synced_walks.synced_walks(current_user, _logged_from(request.args))
    reports = [
        {
            "client_id": str(walk.activity.client_id),
            "report": render_template("pwa/_synced_walk.txt", walk=walk).strip(),
        }
        for walk in walks
    ]
    return _no_store(jsonify(walks=reports))


@bp.get("/offline/queue")
def queue():
    """Walks saved on this phone (listed by script); the form re-sends one that needs a fix."""
    if not current_user.is_authenticated:
        return render_template("pwa/queue.html", form=None)
    today = activities.today_for(current_user)
    form = blank_form(current_user.units, today)
    return render_template("pwa/queue.html", **form_context(form, today))


@bp.get("/offline/token")
def replay_token():
    """A fresh CSRF token for replaying saved walks, or 401 when the session has ended."""
    login_url = url_for("accounts.login_form")
    if not current_user.is_authenticated:
        return _no_store(jsonify(error="log in to sync", login_url=login_url)), 401
    token = generate_csrf()
    return _no_store(jsonify(csrf_token=token, walker=str(current_user.id), login_url=login_url))


def _logged_from(args) -> dict[uuid.UUID, int | None]:
    """`walk=<client id>&team=<team id or nothing>` pairs, in order; malformed ones skipped."""
    logged_from = {}
    for client_id, team_id in zip(args.getlist("walk"), args.getlist("team"), strict=False):
        try:
            logged_from[uuid.UUID(client_id)] = int(team_id) if team_id.isdigit() else None
        except ValueError:
            continue
    return dict(list(logged_from.items())[:50])


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _icon(filename: str, size: int, purpose: str) -> dict:
    src = url_for("static", filename=filename)
    return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


def _static_urls() -> list[str]:
    return [url_for("static", filename=name) for name in PRECACHED_STATIC]


@cache
def _assets_version(static_folder: str, template_folder: str, urls: tuple[str, ...]) -> str:
    """Changes with the worker, the offline page or anything precached (its content-hashed
    name, or its bytes where static files are served under their plain names)."""
    digest = hashlib.sha256(" ".join(urls).encode())
    for folder, name in [(template_folder, "pwa/sw.js"), (template_folder, "pwa/offline.html")]:
        digest.update(_read(f"{folder}/{name}"))
    for name in PRECACHED_STATIC:
        digest.update(_read(f"{static_folder}/{name}"))
    return digest.hexdigest()[:12]


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:  # vendor files appear after `make setup`
        return b""
