"""The live hub: one per web process (`app.extensions["live_hub"]`), started by the first socket.

It holds one Redis pattern subscription (`team:*`) in a background thread (a greenlet under
gevent). A notification only says "team T has new events": the hub reads T's log after the
last id it handed out, renders each new event once per unit system, and gives the messages,
in id order, to the sockets this process holds for T. Reading the log instead of trusting the
notification makes a lost or late notification cost a delay, never an event. A walker who
leaves T (or is removed) gets no more of its messages: their sockets for T are revoked.
"""

import logging
import queue
import threading
import time
from collections import defaultdict

import redis
from flask import Flask

from milequest.lib import metrics
from milequest.services.core import team_access, team_events
from milequest.services.live import live_fragments

log = logging.getLogger(__name__)
INBOX_LIMIT = 200  # a socket this far behind is closed; its page reconnects and catches up
SUBSCRIBE_TIMEOUT_S = 5
POLL_S = 1  # how often the subscriber wakes with nothing to read (to notice a stop)


class HubUnavailable(Exception):
    """Redis cannot be subscribed to: refuse the socket, the page polls instead."""


class Listener:
    """One socket's inbox of (event id, message) pairs, for walker `user_id`."""

    def __init__(self, team_id: int, user_id: int, units: str) -> None:
        self.team_id = team_id
        self.user_id = user_id
        self.units = units
        self.overflowed = False
        self.revoked = False  # the walker left the team: close the socket
        self._inbox: queue.Queue[tuple[int, str]] = queue.Queue(maxsize=INBOX_LIMIT)

    def revoke(self) -> None:
        self.revoked = True
        self.offer(0, "")  # wakes the socket's wait; id 0 is never sent

    def offer(self, event_id: int, message: str) -> None:
        try:
            self._inbox.put_nowait((event_id, message))
        except queue.Full:
            self.overflowed = True

    def next(self, timeout_s: float) -> tuple[int, str] | None:
        try:
            return self._inbox.get(timeout=timeout_s)
        except queue.Empty:
            return None


class LiveHub:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._listeners: dict[int, set[Listener]] = defaultdict(set)
        self._last_id: dict[int, int] = {}  # team id -> last event id handed to its listeners
        self._subscribed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._base_url = "http://localhost/"

    def listen(
        self, team_id: int, user_id: int, units: str, last_id: int, base_url: str
    ) -> Listener:
        """Register a socket once the subscription is live: read the log after this call.

        `last_id` is the team's newest event id, read before this call.
        """
        self._start(base_url)
        if not self._subscribed.wait(SUBSCRIBE_TIMEOUT_S):
            raise HubUnavailable
        listener = Listener(team_id, user_id, units)
        with self._lock:
            self._listeners[team_id].add(listener)
            self._last_id.setdefault(team_id, last_id)
        return listener

    def leave(self, listener: Listener) -> None:
        with self._lock:
            held = self._listeners.get(listener.team_id, set())
            held.discard(listener)
            if not held:
                self._listeners.pop(listener.team_id, None)
                self._last_id.pop(listener.team_id, None)

    def socket_count(self) -> int:
        with self._lock:
            return sum(len(held) for held in self._listeners.values())

    def stop(self) -> None:
        """End the subscription and forget every listener (shutdown, and between tests)."""
        self._stopping.set()
        with self._lock:
            self._listeners.clear()
            self._last_id.clear()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=POLL_S + 2)
        self._subscribed.clear()
        self._stopping.clear()

    def _start(self, base_url: str) -> None:
        with self._lock:
            if self._thread is None:
                self._base_url = base_url
                self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._subscribe_and_deliver()
            except (redis.ConnectionError, HubUnavailable) as lost:  # an outage: one line
                log.warning("Live hub has no Redis subscription (%r); subscribing again", lost)
            except Exception:
                log.exception("Live hub lost its Redis subscription; subscribing again")
            self._subscribed.clear()
            self._stopping.wait(1)

    def _subscribe_and_deliver(self) -> None:
        client = redis.Redis.from_url(
            self._app.config["REDIS_URL"], socket_connect_timeout=2, health_check_interval=30
        )
        pubsub = client.pubsub()
        pubsub.psubscribe(f"{team_events.CHANNEL_PREFIX}*")
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
        while (message := pubsub.get_message(timeout=1)) is None or message["type"] != "psubscribe":
            if time.monotonic() > deadline:
                raise HubUnavailable
        self._subscribed.set()
        with self._lock:
            held = list(self._listeners)
        for team_id in held:  # notifications sent while we were not subscribed are lost
            self._deliver(team_id)
        while not self._stopping.is_set():
            message = pubsub.get_message(timeout=POLL_S)
            if message and message["type"] == "pmessage":
                team_id = int(message["channel"].rsplit(b":", 1)[1])
                self._deliver(team_id)
        pubsub.close()

    def _deliver(self, team_id: int) -> None:
        with self._lock:
            if team_id not in self._listeners:
                return
            last_id = self._last_id[team_id]
        with self._app.test_request_context(base_url=self._base_url):
            while events := team_events.after(team_id, last_id):
                # Listeners that register after this snapshot read these events from the log.
                with self._lock:
                    listeners = list(self._listeners.get(team_id, ()))
                for event in events:
                    self._hand_out(event, listeners)
                last_id = events[-1].id
                with self._lock:
                    if team_id in self._last_id:
                        self._last_id[team_id] = max(self._last_id[team_id], last_id)

    @staticmethod
    def _hand_out(event, listeners: list[Listener]) -> None:
        """Render `event` once per unit system and give it to every listener still a member."""
        gone = team_access.member_gone(event)
        messages: dict[str, str] = {}
        for listener in listeners:
            if listener.user_id == gone:
                listener.revoke()
                continue
            if listener.units not in messages:
                messages[listener.units] = live_fragments.render_event_message(
                    event, listener.units
                )
            listener.offer(event.id, messages[listener.units])
        metrics.FANOUT_SECONDS.observe(max(0.0, time.time() - event.created_at.timestamp()))


def hub_for(app: Flask) -> LiveHub:
    return app.extensions["live_hub"]


def init_app(app: Flask) -> None:
    app.extensions["live_hub"] = LiveHub(app)
