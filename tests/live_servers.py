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
import uuid
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


def procfile_command(process_type: str) -> str:
    """The Procfile's command line for `process_type` (web, ws, worker, ...)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            return command.strip()
    raise KeyError(f"no {process_type} in the Procfile")


@contextmanager
def web_processes(
    app,
    count: int,
    log_dir: Path,
    process_type: str = "web",
    start_timeout_s: float = 60,
    **env_extra: str,
):
    """`count` gunicorn processes (one worker each) on the test database and Redis, each
    started with the Procfile's command for `process_type` (`web` or `ws`)."""
    env = _process_env(app, log_dir, env_extra)
    servers = []
    try:
        for n in range(count):
            port = free_port()
            log = open(log_dir / f"{process_type}-{n}.log", "wb")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(
                ["bash", "-c", f"exec {procfile_command(process_type)}"],
                cwd=ROOT,
                env={**env, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            servers.append((process, log, f"http://127.0.0.1:{port}"))
        for process, _, url in servers:
            wait_until_up(process, url, start_timeout_s)
        yield [url for _, _, url in servers]
    finally:
        for process, log, _ in servers:
            process.send_signal(signal.SIGINT)  # quick shutdown: do not wait for open sockets
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _process_env(app, log_dir: Path, env_extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "MILEQUEST_MAIL_DIR": str(log_dir / "mail"),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "WS_CONCURRENCY": "1",
        **env_extra,
    }


@contextmanager
def worker_process(app, log_dir: Path, **env_extra: str):
    """The Procfile's `worker` (every queue, one child) on the app's database and Redis,
    started in the background (start web processes meanwhile); yields its log's path, which
    `worker_ready` reads."""
    env = {"WORKER_CONCURRENCY": "1", **_process_env(app, log_dir, env_extra)}
    log_path = log_dir / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command('worker')}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log_path
        finally:
            process.send_signal(signal.SIGQUIT)  # cold shutdown: a test waits on no job
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def worker_ready(log_path: Path) -> bool:
    return b" ready." in log_path.read_bytes()


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

    def status(self, path: str) -> int:
        """GET `path` and give its status (a 5xx is an answer here, not an exception)."""
        try:
            with self._opener_staying.open(self.base_url + path, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as answer:
            answer.close()
            return answer.code

    def upload(self, path: str, field: str, files: dict[str, bytes], token: str) -> int:
        """POST `files` (name: content) as one multipart field, and stop at the answer."""
        boundary = uuid.uuid4().hex
        parts = [_form_part(boundary, 'name="csrf_token"', token.encode())]
        for name, content in files.items():
            disposition = f'name="{field}"; filename="{name}"'
            parts.append(_form_part(boundary, disposition, content))
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        upload = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with self._opener_staying.open(upload, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as answer:
            answer.close()
            return answer.code

    def log_in(self, email: str) -> None:
        self.post_form("/login", {"email": email, "password": PASSWORD}, "/login")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


def _form_body(data: dict, token: str) -> bytes:
    return urllib.parse.urlencode({"csrf_token": token, **data}).encode()


def _form_part(boundary: str, disposition: str, content: bytes) -> bytes:
    head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n"
    return head.encode() + content + b"\r\n"


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
