"""Redis restarted (without saving: what a crash does) while walkers keep logging through two
web processes: each process's live hub subscribes again and its pages get every event,
the ones committed while Redis was away included; the worker reconnects by itself."""

import re
import threading

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import GpsImport
from milequest.models.gps_import import ImportStatus
from milequest.services.core import team_events
from tests.factories import add_member, make_journey, make_team, make_user
from tests.faults.outages import a_walk, counter_drift, own_redis, stored_once
from tests.gps_builders import gpx
from tests.helpers import wait_for
from tests.live_servers import Browser, connect, web_processes, worker_process, worker_ready

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # gunicorn, a worker, Redis restarted


class Walking(threading.Thread):
    """Walkers logging one walk after another, alternately through each web process."""

    def __init__(self, browsers: list[Browser], walkers: list, team) -> None:
        super().__init__(daemon=True)
        self.browsers, self.walkers, self.team = browsers, walkers, team
        self.answers: dict[str, int] = {}  # client id -> status
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            browser, walker = self.browsers[n % 2], self.walkers[n % 2]
            walk = a_walk(walker, self.team, km=1.0)
            try:
                token = browser.csrf_token(f"/activities/new?team={self.team.id}")
            except OSError as failed:  # the form itself did not load (a 5xx)
                self.errors.append(repr(failed))
                continue
            finally:
                n += 1
            self.answers[walk["client_id"]] = browser.submit("/activities/", walk, token)

    def accepted(self) -> int:
        assert not self.errors, self.errors[:3]
        return sum(status == 303 for status in list(self.answers.values()))


class Page:
    """A team page's socket, and every event id it has been sent."""

    def __init__(self, url: str, browser: Browser, team, after: int) -> None:
        path = f"/teams/{team.id}/live?after={after}"
        self.ws = connect(url, path, browser.cookie_header())
        self.seen: list[int] = []

    def has_seen(self, event_ids: list[int]) -> bool:
        while (message := self.ws.receive(timeout=0.2)) is not None:
            self.seen += [int(n) for n in re.findall(r'data-after="(\d+)"', message)]
        return set(event_ids) <= set(self.seen)


def test_a_redis_restart_under_load_loses_no_walk_and_no_live_event(app, tmp_path):
    team = make_team(name="Restart Ramblers")
    make_journey(team)
    walkers = [team.created_by, add_member(team, make_user(display_name="Ola Other")).user]
    db.session.commit()

    with (
        own_redis(app) as (redis_server, config),
        worker_process(config, tmp_path) as worker_log,
        web_processes(config, 2, tmp_path) as urls,
    ):
        assert wait_for(lambda: worker_ready(worker_log), 60), "the worker"
        browsers = [Browser(url) for url in urls]
        for browser, walker in zip(browsers, walkers, strict=True):
            browser.log_in(walker.email)
        cursor = team_events.last_id(team.id)
        pages = [Page(url, b, team, cursor) for url, b in zip(urls, browsers, strict=True)]
        load = Walking(browsers, walkers, team)
        load.start()
        try:
            assert wait_for(lambda: load.accepted() >= 4, 30), "walks before the restart"
            redis_server.stop()
            during = load.accepted()
            assert wait_for(lambda: load.accepted() >= during + 4, 30), "walks while Redis is down"
            redis_server.start()
            after = load.accepted()
            assert wait_for(lambda: load.accepted() >= after + 4, 30), "walks after the restart"
        finally:
            load.stop.set()
            load.join(timeout=15)

        logged = [e.id for e in team_events.after(team.id, cursor, limit=10_000)]
        for page in pages:
            assert wait_for(lambda page=page: page.has_seen(logged), 20), (
                "every event on every page"
            )
            assert len(page.seen) == len(set(page.seen))  # each once
            page.ws.close()

        # The worker took up the broker again by itself: a job sent now is done.
        assert (
            browsers[0].upload(
                "/imports/", "files", {"later.gpx": gpx()}, browsers[0].csrf_token("/imports/")
            )
            == 303
        )
        (upload,) = db.session.scalars(select(GpsImport))
        assert wait_for(lambda: _finished(upload), 30), "the import sent after the restart"

    assert set(load.answers.values()) == {303}  # every walk accepted, none refused or failed
    assert set(stored_once(list(load.answers)).values()) == {1}
    assert counter_drift() == {}
    assert upload.status == ImportStatus.IMPORTED


def _finished(upload: GpsImport) -> bool:
    db.session.expire_all()
    return upload.status != ImportStatus.QUEUED
