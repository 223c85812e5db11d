"""The one module that reads HX-* request headers or sets HX-* response headers."""

from flask import Flask, Response, flash, redirect, render_template
from flask_htmx import HTMX, make_response
from werkzeug.wrappers import Response as AnyResponse

htmx = HTMX()


def init_app(app: Flask) -> None:
    htmx.init_app(app)
    app.after_request(_vary_on_htmx)


def _vary_on_htmx(response: Response) -> Response:
    # A URL answers a fragment or a page depending on HX-Request: caches must key on it.
    response.vary.add("HX-Request")
    return response


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page.

    htmx also sends HX-Request on boosted navigation and on history restores, which need
    the whole page.
    """
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context) -> tuple[str, int]:
    """Render the fragment for htmx swaps, the full page otherwise."""
    return render_template(fragment if wants_fragment() else page, **context), status


def fragment_or_see_other(fragment: str, url: str, error: str | None = None, **context):
    """Answer a POST that changed (or, with `error`, was refused) part of a page.

    htmx gets the re-rendered fragment (422 when refused, carrying `error`); a plain form gets
    a 303 to `url`, with the error flashed.
    """
    if wants_fragment():
        return render_template(fragment, error=error, **context), 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url, code=303)


def see_other(url: str, *, reload: bool = False) -> AnyResponse:
    """Answer a successful POST: 303 for plain forms, HX-Location for htmx ones.

    `reload` makes htmx load the whole page (HX-Redirect): needed after log-in or log-out,
    whose new session (and CSRF token) the current page's <body> does not carry.
    """
    if htmx:
        if reload:
            return make_response("", 200, redirect=url)
        # Opened at its top, like a page: the body swap alone keeps (anchors) the old scroll.
        location = {"path": url, "target": "body", "swap": "innerHTML show:window:top"}
        return make_response("", 200, location=location)
    return redirect(url, code=303)


def redirect_to_login(url: str) -> AnyResponse:
    """Send a visitor whose session ended to `url`: the whole page for htmx, not a fragment."""
    if htmx:
        return make_response("", 200, redirect=url)
    return redirect(url)
