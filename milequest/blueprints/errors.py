"""Error pages: HTML for people, the same status codes for htmx and scripts."""

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from milequest.blueprints.api import problems as api_problems
from milequest.extensions import db, login_manager
from milequest.services.gallery import photos
from milequest.services.gps_imports import imports

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
RETRY_AFTER_S = 5  # a restarting database is back within seconds
MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing at this address.",
    405: "That action is not allowed here.",
    422: "Some of what you sent could not be used.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
    503: "Mile Quest is restarting. Nothing you sent was saved: try again in a few seconds.",
}


def _render(status: int, message: str | None = None, **extra):
    """The error page; `extra` may add a `detail` paragraph and a `back_url`."""
    text = message or MESSAGES.get(status, "Something went wrong.")
    return render_template("errors/error.html", status=status, message=text, **extra), status


def _referring_page() -> str | None:
    """The page of ours the refused form was sent from."""
    referrer = request.referrer
    return referrer if referrer and referrer.startswith(request.host_url) else None


def _upload_limits() -> str:
    return (
        f"Photos may be up to {photos.MAX_BYTES // 2**20} MB each, GPS files up to "
        f"{imports.MAX_UPLOAD_BYTES // 2**20} MB in all (a Strava export up to "
        f"{imports.MAX_EXPORT_BYTES // 2**20} MB). Go back, choose smaller files and "
        "send the form again."
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            "This form has expired or was not sent from this site. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        return _render(
            413, "That upload is too large.", detail=_upload_limits(), back_url=_referring_page()
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith(API_PREFIX):  # an address under the API that has no route
            return api_problems.from_http_exception(error)
        response = error.get_response()
        body, status = _render(error.code or 500)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response, status

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)

    @app.errorhandler(OperationalError)  # the server is down, restarting, or cut us off
    @app.errorhandler(InterfaceError)  # a connection it closed under us
    def database_unavailable(error):
        log.warning(
            "Database unavailable: %s %s answered 503 (%s)",
            request.method,
            request.url_rule.rule if request.url_rule else "-",  # paths carry tokens
            str(error.orig or error).strip().splitlines()[0],
        )
        try:
            db.session.rollback()
        except Exception:  # the connection is gone either way: let the pool drop it
            db.session.remove()
        headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
        if request.path.startswith(API_PREFIX):
            return api_problems.problem(503, headers=headers)
        # Not base.html: its header shows the walker, and a page that seemed logged out would
        # make the service worker forget the walker's offline pages. Every template is given
        # `current_user`, loaded from the database: this page is rendered for nobody.
        login_manager._update_request_context_with_user()
        page = render_template(
            "errors/unavailable.html",
            message=MESSAGES[503],
            retry_url=request.url if request.method == "GET" else _referring_page(),
        )
        return page, 503, headers
