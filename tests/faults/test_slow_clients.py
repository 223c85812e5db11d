"""Slow or hostile clients in front of the production topology (deploy/nginx/ before the
Procfile's `web`, gunicorn.conf.py): a slowloris holding 1,000 connections open does not stop
a walker from logging, and an upload that stalls mid-body is dropped within a bounded time,
by nginx and by gunicorn when it is reached directly."""

import re
import resource
import selectors
import socket
import threading
import time

import pytest

from devservices.local import Settings, free_port
from devservices.nginx import DEPLOY, Nginx
from milequest.extensions import db
from tests.factories import make_journey, make_team
from tests.faults.outages import a_walk, counter_drift, stored_once
from tests.helpers import wait_for
from tests.live_servers import Browser, web_processes

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # nginx and gunicorn processes
ATTACKERS = 1000
WALKS = 5
READ_TIMEOUT_S = 10  # gunicorn.conf.py's read_timeout_s, shortened (65 s in production)


def seconds_in(conf: str, directive: str, location: str | None = None) -> int:
    """A directive's value in deploy/nginx/server.conf (`30s` -> 30), server-wide or in the
    block of `location`."""
    text = (DEPLOY / conf).read_text()
    if location:
        text = text.split(f"location {location} {{", 1)[1].split("}", 1)[0]
    else:
        text = re.sub(r"location [^{]*\{[^}]*\}", "", text)
    return int(re.search(rf"^\s*{directive} (\d+)s;", text, re.M).group(1))


@pytest.fixture(scope="module")
def topology(app, tmp_path_factory):
    """nginx's address and the address of `web` behind it (one gevent worker, as deployed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * ATTACKERS and (hard == resource.RLIM_INFINITY or hard >= 4 * ATTACKERS):
        resource.setrlimit(resource.RLIMIT_NOFILE, (4 * ATTACKERS, hard))
    logs = tmp_path_factory.mktemp("slow-clients")
    with web_processes(
        app, 1, logs, "web", MILEQUEST_PROXY_HOPS="1", WEB_READ_TIMEOUT=str(READ_TIMEOUT_S)
    ) as (web,):
        web_port = int(web.rsplit(":", 1)[1])
        proxy = Nginx(Settings.from_env({}), free_port(), web_port, free_port(), logs)
        proxy.start()
        try:
            yield ("127.0.0.1", proxy.port), ("127.0.0.1", web_port)
        finally:
            proxy.stop()


class Slowloris(threading.Thread):
    """`count` connections that each send a request's head a byte a second, never ending it;
    `open()` says how many the server has not closed yet."""

    def __init__(self, address: tuple[str, int], count: int) -> None:
        super().__init__(daemon=True)
        self.address, self.count = address, count
        self.sockets: list[socket.socket] = []
        self.closed: set[int] = set()
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def open(self) -> int:
        with self.lock:
            return len(self.sockets) - len(self.closed)

    def run(self) -> None:
        selector = selectors.DefaultSelector()
        for n in range(self.count):
            if self.stopping.is_set():
                break
            raw = socket.create_connection(self.address, timeout=10)
            raw.sendall(b"POST /activities/ HTTP/1.1\r\nHost: x\r\n")
            raw.setblocking(False)
            selector.register(raw, selectors.EVENT_READ, n)
            with self.lock:
                self.sockets.append(raw)
        while not self.stopping.wait(1):
            for key, _ in selector.select(timeout=0):  # the server answered or closed
                selector.unregister(key.fileobj)
                with self.lock:
                    self.closed.add(key.data)
            for n, raw in enumerate(self.sockets):
                if n not in self.closed:
                    try:
                        raw.send(b"X")  # one more byte of a header that never ends
                    except OSError:
                        with self.lock:
                            self.closed.add(n)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        for raw in self.sockets:
            raw.close()


def test_a_slowloris_of_a_thousand_connections_does_not_stop_a_walker(topology):
    proxy, _ = topology
    base_url = f"http://{proxy[0]}:{proxy[1]}"
    team = make_team(name="Steady Striders")
    make_journey(team)
    walker = team.created_by
    db.session.commit()
    walking = Browser(base_url)
    walking.log_in(walker.email)
    token = walking.csrf_token(f"/activities/new?team={team.id}")

    attack = Slowloris(proxy, ATTACKERS)
    attack.start()
    try:
        assert wait_for(lambda: len(attack.sockets) == ATTACKERS, 30), "the attack's sockets"
        walks = [a_walk(walker, team, km=1 + n / 10) for n in range(WALKS)]
        answers = [walking.submit("/activities/", walk, token) for walk in walks]
        held_while_logging = attack.open()
        page = walking.status(f"/teams/{team.id}")
        # nginx bounds a request head's time (client_header_timeout), not only each read's.
        header_timeout = seconds_in("server.conf", "client_header_timeout")
        dropped = wait_for(lambda: attack.open() == 0, header_timeout + 10)
    finally:
        attack.stop()

    assert held_while_logging == ATTACKERS  # the walks were logged with the attack in place
    assert answers == [303] * WALKS
    assert page == 200
    assert dropped, f"{attack.open()} attacking connections still open"
    assert stored_once([walk["client_id"] for walk in walks]) == {
        walk["client_id"]: 1 for walk in walks
    }
    assert counter_drift() == {}


def stalled_upload(address: tuple[str, int], cookie: str, token: str, walk: dict) -> socket.socket:
    """A walk's form whose body stops after its first half: the connection, left open."""
    body = "&".join(f"{k}={v}" for k, v in {"csrf_token": token, **walk}.items()).encode()
    raw = socket.create_connection(address, timeout=5)
    head = (
        f"POST /activities/ HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\n"
        f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body) * 2}\r\n\r\n"
    )
    raw.sendall(head.encode() + body)  # half of what Content-Length promised
    return raw


def dropped_within(raw: socket.socket, bound_s: float) -> tuple[bool, bytes]:
    """Whether the server closed `raw` within `bound_s` seconds, and what it sent first."""
    answer = b""
    raw.settimeout(bound_s)
    deadline = time.monotonic() + bound_s
    try:
        while time.monotonic() < deadline:
            raw.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = raw.recv(65536)
            if not chunk:
                return True, answer
            answer += chunk
    except TimeoutError:
        return False, answer
    except ConnectionResetError:
        return True, answer
    return False, answer


def test_an_upload_stalled_mid_body_is_dropped_by_nginx_and_by_gunicorn(topology):
    proxy, web = topology
    team = make_team(name="Stop Start Walkers")
    make_journey(team)
    walker = team.created_by
    db.session.commit()
    walking = Browser(f"http://{proxy[0]}:{proxy[1]}")
    walking.log_in(walker.email)
    token = walking.csrf_token(f"/activities/new?team={team.id}")
    cookie = walking.cookie_header()
    walks = {"nginx": a_walk(walker, team), "gunicorn": a_walk(walker, team)}
    body_timeout = seconds_in("server.conf", "client_body_timeout")
    bound = max(body_timeout, READ_TIMEOUT_S) + 10

    through_nginx = stalled_upload(proxy, cookie, token, walks["nginx"])
    direct = stalled_upload(web, cookie, token, walks["gunicorn"])
    results: dict[str, tuple[bool, bytes]] = {}
    waiting = [
        threading.Thread(target=lambda: results.update(nginx=dropped_within(through_nginx, bound))),
        threading.Thread(target=lambda: results.update(gunicorn=dropped_within(direct, bound))),
    ]
    for thread in waiting:
        thread.start()
    for thread in waiting:
        thread.join()
    through_nginx.close()
    direct.close()

    assert results["nginx"][0], "nginx kept a stalled upload open"
    assert results["gunicorn"][0], "gunicorn kept a stalled upload open"
    assert b" 500 " not in results["gunicorn"][1].split(b"\r\n", 1)[0]
    # Neither half-sent walk was stored, and the walker can still log.
    assert stored_once([walk["client_id"] for walk in walks.values()]) == {
        walk["client_id"]: 0 for walk in walks.values()
    }
    fresh = a_walk(walker, team)
    assert walking.submit("/activities/", fresh, token) == 303
    assert stored_once([fresh["client_id"]]) == {fresh["client_id"]: 1}
