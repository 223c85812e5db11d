"""Conditional GETs: a fragment whose entity tag the client already holds is answered 304.

The tag is built from what the fragment's render depends on (the team's version, the unit
system...), so the check costs no render; the browser's cache sends If-None-Match by itself
(`no-cache`: always ask, `private`: never in a shared cache). Authorization runs before this.
"""

from collections.abc import Callable

from flask import current_app, make_response, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response


def answer(etag: str, render: Callable[[], ResponseReturnValue]) -> Response:
    """304 when the request's If-None-Match holds `etag`, else `render()`; both carry it."""
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        response = make_response(render())
    response.set_etag(etag, weak=True)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response
