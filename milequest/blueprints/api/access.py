"""Who is calling, and may they: a Bearer token or the app's own session cookie.

Tokens never need CSRF; a session (the app's own JavaScript) does, on anything but a read. A
read-only token may only read. Every caller has a rate limit of its own (per token, per
walker's session), announced in the standard `RateLimit-*` headers. Team-scoped operations
then go through the pages' own `team_view`.
"""

import time

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from milequest.blueprints.api.core import bp
from milequest.blueprints.api.problems import ApiProblem, from_http_exception, problem
from milequest.extensions import csrf, db, limiter, login_manager
from milequest.services.walkers import api_tokens

PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs", "api.explorer"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def caller_token():
    """The token this request carries, once looked up (None: none, or not a usable one)."""
    if "api_token" not in g:
        secret = _bearer()
        g.api_token = api_tokens.authenticate(secret) if secret else None
    return g.api_token


def _rate_key() -> str:
    try:
        if (token := caller_token()) is not None:
            return f"api:token:{token.id}"
        if _bearer() is None and current_user.is_authenticated:
            return f"api:walker:{current_user.id}"
    except DBAPIError:
        # The database is down (the view will answer 503). Raised here, Flask-Limiter would
        # take it for its storage failing and fall back to counting in the process.
        pass
    return f"api:address:{request.remote_addr}"


def _rate_limit() -> str:
    return current_app.config["RATELIMIT_API"]


csrf.exempt(bp)  # checked below for sessions only: a token is not sent by a browser on its own
limiter.limit(
    _rate_limit, key_func=_rate_key, exempt_when=lambda: request.endpoint in PUBLIC_ENDPOINTS
)(bp)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if _bearer() is not None:
        return _as_token_holder()
    if not current_user.is_authenticated:
        return _unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    if request.method not in READ_METHODS:
        csrf.protect()
    return None


def _as_token_holder():
    token = caller_token()
    if token is None:
        return _unauthorized("This token is unknown, revoked or expired.", error="invalid_token")
    # Flask-Login's own way to set the request's user without touching the session cookie.
    login_manager._update_request_context_with_user(token.user)
    if request.method not in READ_METHODS and not token.can_write:
        return problem(403, "This token is read-only: create a write token for changes.")
    api_tokens.note_use(token)
    db.session.commit()
    return None


def _unauthorized(detail: str, error: str | None = None):
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


@bp.after_request
def _rate_limit_headers(response):
    """The IETF draft's RateLimit-* fields (Flask-Limiter adds its own X-RateLimit-* too)."""
    current = limiter.current_limit
    if current is not None:
        window_s = current.limit.get_expiry()
        reset_s = max(int(current.reset_at - time.time()), 0)
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(max(current.remaining, 0))
        response.headers["RateLimit-Reset"] = str(reset_s)
        response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={window_s}"
    response.headers.setdefault("Vary", "Authorization, Cookie")
    return response


@bp.errorhandler(CSRFError)
def _csrf_refused(error):
    return problem(403, "Send the page's CSRF token in the X-CSRFToken header, or use a token.")


@bp.errorhandler(RequestEntityTooLarge)
@bp.errorhandler(ApiProblem)
@bp.errorhandler(HTTPException)
def _http_problem(error):
    db.session.rollback()
    return from_http_exception(error)


@bp.errorhandler(500)
def _server_problem(error):
    db.session.rollback()
    return problem(500)
