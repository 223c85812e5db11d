"""Real web server processes (gunicorn, as in production) and clients that talk to them."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from simple_websocket import Client

from milequest.config import ROOT
from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def web_processes(app, count: int, log_dir: Path):
    """`count` gunicorn processes (one gevent worker each) on the test database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "MILEQUEST_MAIL_DIR": str(log_dir / "mail"),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    servers = []
    try:
        for n in range(count):
            port = free_port()
            log = open(log_dir / f"web-{n}.log", "wb")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(
                [gunicorn, "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env={**env, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            servers.append((process, log, f"http://127.0.0.1:{port}"))
        for process, _, url in servers:
            wait_until_up(process, url)
        yield [url for _, _, url in servers]
    finally:
        for process, log, _ in servers:
            process.send_signal(signal.SIGINT)  # quick shutdown: do not wait for open sockets
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def wait_until_up(process, url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited with {process.returncode}"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not start")


class Browser:
    """Just enough of a browser for forms: cookies and CSRF tokens."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.cookies)
        self._opener = urllib.request.build_opener(cookies)
        self._opener_staying = urllib.request.build_opener(cookies, _StayHere)

    def get(self, path: str) -> str:
        with self._opener.open(self.base_url + path, timeout=10) as response:
            return response.read().decode()

    def csrf_token(self, page: str) -> str:
        return _TOKEN.search(self.get(page)).group(1)

    def post_form(self, path: str, data: dict, token_page: str) -> int:
        """POST with a token from `token_page` and follow the redirect, as a browser does."""
        body = _form_body(data, self.csrf_token(token_page))
        with self._opener.open(self.base_url + path, data=body, timeout=10) as response:
            return response.status

    def submit(self, path: str, data: dict, token: str) -> int:
        """POST with `token` and stop at the answer: its status (303 when all went well)."""
        try:
            with self._opener_staying.open(
                self.base_url + path, data=_form_body(data, token), timeout=10
            ) as r:
                return r.status
        except urllib.error.HTTPError as answer:
            answer.close()
            return answer.code

    def log_in(self, email: str) -> None:
        self.post_form("/login", {"email": email, "password": PASSWORD}, "/login")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def _form_body(data: dict, token: str) -> bytes:
    return urllib.parse.urlencode({"csrf_token": token, **data}).encode()


class _StayHere(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError carrying the redirect's status


class _Client(Client):
    # simple-websocket 1.1.0 sends "Host: 127.0.0.1" without the port, which a browser never
    # does and which the Origin check (rightly) refuses.
    def handshake(self):
        self.host = f"{self.host}:{self.port}"
        super().handshake()


def connect(base_url: str, path: str, cookie: str = "", origin: str | None = None) -> Client:
    """A WebSocket client as a browser page on `base_url` opens it (same Origin by default)."""
    headers = {"Origin": origin or base_url}
    if cookie:
        headers["Cookie"] = cookie
    return _Client.connect("ws" + base_url.removeprefix("http") + path, headers=headers)
