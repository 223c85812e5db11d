"""A real OpenID provider for the tests (npm `oidc-provider`, tests/oidc/provider.mjs).

`OidcProvider.sign_in` walks a Flask test client through a whole login: the app's start
button, the provider's authorize endpoint and login form (over HTTP, with `requests`), and
back to the app's callback with the code and state the provider sent.
"""

import re
import selectors
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from milequest.config import ROOT
from tests.helpers import csrf_token
from tests.live_servers import free_port

NAME = "testid"
LABEL = "Test ID"
CLIENT_ID = "milequest-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
REDIRECT_URI = f"http://localhost/oidc/{NAME}/callback"  # the Flask test client's host
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"


@contextmanager
def running_provider(log_dir: Path, redirect_uri: str = REDIRECT_URI, start_timeout_s: float = 60):
    """Start the provider on a free port; yield its issuer URL once it listens."""
    port = free_port()
    log = (log_dir / "oidc-provider.log").open("w")
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(port), CLIENT_ID, CLIENT_SECRET, redirect_uri],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        yield _wait_ready(process, start_timeout_s)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_ready(process: subprocess.Popen, timeout_s: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = process.stdout.readline()
            if line.startswith("ready "):
                return line.split()[1]
            assert line, f"the OpenID provider exited ({process.poll()})"
    raise AssertionError("the OpenID provider did not start in time")


class OidcProvider:
    def __init__(self, issuer: str):
        self.issuer = issuer
        self.config = {
            "name": NAME,
            "label": LABEL,
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }

    def authorize_url(self, client, start_page: str = "/login") -> str:
        """Press "Continue with Test ID": where the app sends the browser."""
        response = client.post(
            f"/oidc/{NAME}/start",
            data={"csrf_token": csrf_token(client, start_page), "timezone": "Europe/London"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(self.issuer + "/auth?"), location
        return location

    def log_in_at_provider(
        self, authorize_url: str, *, sub: str, email: str, verified: bool = True, name: str = ""
    ) -> str:
        """Log in on the provider's own pages; the app's callback URL it redirects to."""
        with requests.Session() as browser:
            page = browser.get(authorize_url, timeout=10)
            assert page.status_code == 200, page.text
            action = re.search(r'<form method="post" action="([^"]+)"', page.text)
            assert action, page.text
            form = {"sub": sub, "email": email, "name": name}
            if verified:
                form["email_verified"] = "true"
            response = browser.post(
                urljoin(page.url, action.group(1)), data=form, allow_redirects=False, timeout=10
            )
            while not response.headers.get("Location", "").startswith(REDIRECT_URI):
                assert response.status_code in (302, 303), response.text
                response = browser.get(
                    urljoin(response.url, response.headers["Location"]),
                    allow_redirects=False,
                    timeout=10,
                )
            return response.headers["Location"]

    def sign_in(self, client, *, start_page: str = "/login", **account):
        """The whole flow; the app's answer to the callback (not followed)."""
        callback = self.log_in_at_provider(self.authorize_url(client, start_page), **account)
        return client.get(path_of(callback))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
