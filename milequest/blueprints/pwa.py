"""The installable app: manifest, service worker (root scope), offline page, replay token.

The service worker is served by a view (not /static/) so that its scope is the whole site; its
cache name carries a hash of everything it precaches, so a deploy that changes them replaces
the old cache.
"""

import hashlib
from functools import cache

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from milequest.forms.activities import blank_form, form_context
from milequest.services import activities

bp = Blueprint("pwa", __name__)
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
        version=_assets_version(current_app.static_folder, current_app.template_folder),
        precache=[url_for("pwa.offline"), *_static_urls()],
        queue_script=url_for("static", filename="js/offline-queue.js"),
        idb_script=url_for("static", filename="vendor/idb-keyval.js"),
        offline_url=url_for("pwa.offline"),
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


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")


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
    if not current_user.is_authenticated:
        response = jsonify(error="log in to sync", login_url=url_for("accounts.login_form"))
        response.status_code = 401
    else:
        response = jsonify(
            csrf_token=generate_csrf(),
            walker=str(current_user.id),
            login_url=url_for("accounts.login_form"),
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _icon(filename: str, size: int, purpose: str) -> dict:
    src = url_for("static", filename=filename)
    return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


def _static_urls() -> list[str]:
    return [url_for("static", filename=name) for name in PRECACHED_STATIC]


@cache
def _assets_version(static_folder: str, template_folder: str) -> str:
    digest = hashlib.sha256()
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
