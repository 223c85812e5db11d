"""Build URLs outside a request (tasks, sweeps) against the site's public address.

`PUBLIC_URL` is where walkers reach Mile Quest: links in emails sent by a worker point there.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context


@contextmanager
def public_urls() -> Iterator[None]:
    """Inside a request, its own address; elsewhere `PUBLIC_URL` (url_for works in both)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        yield
