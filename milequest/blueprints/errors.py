"""Error pages: HTML for people, the same status codes for htmx and scripts."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from milequest.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing at this address.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    422: "Some of what you sent could not be used.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
}


def _render(status: int, message: str | None = None):
    text = message or MESSAGES.get(status, "Something went wrong.")
    return render_template("errors/error.html", status=status, message=text), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            "This form has expired or was not sent from this site. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        response = error.get_response()
        body, status = _render(error.code or 500)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response, status

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)
