"""Security headers on every response, and Retry-After on a rate limit's 429.

The CSP's img-src also allows the host of the configured map tiles (MAP_TILE_URL), and its
form-action the configured OpenID providers: "Continue with ..." is a form whose answer
redirects there, and browsers hold every redirect of a form's submission to form-action.
"""

import time
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response

from milequest.extensions import limiter
from milequest.services.walkers import oidc_logins


def tile_source(tile_url: str) -> str:
    """'https://{s}.tile.example.org/{z}/{x}/{y}.png' -> 'https://*.tile.example.org'."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=16)
def content_security_policy(tile_url: str = "", form_targets: tuple[str, ...] = ()) -> str:
    tiles = tile_source(tile_url)
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src 'self' data: {tiles}".rstrip(),
            "style-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        policy = content_security_policy(
            app.config.get("MAP_TILE_URL", ""), oidc_logins.authorization_origins()
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.after_request
    def retry_after_a_limit(response: Response) -> Response:
        if response.status_code == 429 and (current := limiter.current_limit) is not None:
            response.headers["Retry-After"] = str(max(int(current.reset_at - time.time()), 1))
        return response
