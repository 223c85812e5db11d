"""Redis stopped under a running web process and worker (it is the broker, the live pub/sub
and the rate limits' storage): walkers still sign up, log in, log, edit, see their team and
upload imports, nothing they logged is lost, and the jobs queued meanwhile are done once Redis
is back."""

import pytest
from simple_websocket import ConnectionClosed
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Activity, GpsImport, OutboundEmail, User
from milequest.models.gps_import import ImportStatus
from milequest.services.core import team_events
from milequest.services.live import live_streams
from tests.factories import PASSWORD, make_journey, make_team
from tests.faults.outages import a_walk, counter_drift, own_redis, stored_once
from tests.gps_builders import gpx
from tests.helpers import wait_for
from tests.live_servers import Browser, connect, web_processes, worker_process, worker_ready

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # gunicorn, a worker, a Redis stopped
NEWCOMER = "newcomer@example.com"


def test_with_redis_stopped_every_form_answers_and_nothing_logged_is_lost(app, tmp_path):
    team = make_team(name="Fair Weather Walkers")
    make_journey(team)
    walker = team.created_by
    db.session.commit()

    with (
        own_redis(app) as (redis_server, config),
        worker_process(config, tmp_path) as worker_log,  # loses its broker too
        web_processes(config, 1, tmp_path) as (url,),
    ):
        assert wait_for(lambda: worker_ready(worker_log), 60), "the worker"
        walking = Browser(url)
        walking.log_in(walker.email)
        assert walking.status(f"/teams/{team.id}") == 200  # warm: templates compiled

        redis_server.stop()
        answers, walk = _everything_a_walker_does(url, walking, walker, team)

        assert answers == {
            "sign-up": 303,
            "log-in": 303,
            "log a walk": 303,
            "edit the walk": 303,
            "team page": 200,
            "import upload": 303,
        }
        assert db.session.scalar(select(User.id).where(User.email == NEWCOMER))
        assert stored_once([walk["client_id"]]) == {walk["client_id"]: 1}
        edited = db.session.get(Activity, _activity_id(walk["client_id"]))
        assert edited.distance_m == 3500
        assert counter_drift() == {}
        web_log = (tmp_path / "web-0.log").read_text()
        assert "Rate limit storage unreachable - falling back to in-memory storage" in web_log
        assert "Traceback" not in web_log.split("falling back to in-memory storage")[1]

        # A page opened now has no live stream: told to try later, it polls the database.
        cursor = team_events.last_id(team.id)
        page = connect(url, f"/teams/{team.id}/live?after={cursor - 1}", walking.cookie_header())
        with pytest.raises(ConnectionClosed) as refused:
            page.receive(timeout=15)
        assert refused.value.reason == live_streams.TRY_AGAIN_LATER
        assert f'data-after="{cursor}"' in walking.get(f"/teams/{team.id}/updates?after=0")

        # Queued while the broker was away: each job waits in the database, and the web
        # process holds its send ...
        (upload,) = db.session.scalars(select(GpsImport).where(GpsImport.user_id == walker.id))
        (welcome,) = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == NEWCOMER)
        )
        assert (upload.status, welcome.sent_at) == (ImportStatus.QUEUED, None)

        # ... until Redis is back: then the page is live again and the worker does both jobs.
        redis_server.start()
        _a_page_is_live_again(url, walking, walker, team)
        assert wait_for(lambda: _done(upload, welcome), 30), "the queued import and email"
        web_log = (tmp_path / "web-0.log").read_text()
        assert f"Queued workers.imports.import_file({upload.id}), held while" in web_log

    assert upload.status == ImportStatus.IMPORTED and upload.imported_count == 1
    assert welcome.attempts == 1  # sent once
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert counter_drift() == {}


def _everything_a_walker_does(url: str, walking: Browser, walker, team):
    answers = {}
    newcomer = Browser(url)
    answers["sign-up"] = newcomer.submit(
        "/signup",
        {"email": NEWCOMER, "display_name": "Nia Newcomer", "password": PASSWORD},
        newcomer.csrf_token("/signup"),
    )
    returning = Browser(url)
    answers["log-in"] = returning.submit(
        "/login", {"email": walker.email, "password": PASSWORD}, returning.csrf_token("/login")
    )
    # The rest through the session opened before the outage: each answer stands on its own.
    walk = a_walk(walker, team)
    token = walking.csrf_token(f"/activities/new?team={team.id}")
    answers["log a walk"] = walking.submit("/activities/", walk, token)
    logged = _activity_id(walk["client_id"])
    token = walking.csrf_token(f"/activities/{logged}/edit") if logged else token
    answers["edit the walk"] = walking.submit(
        f"/activities/{logged}/edit", {**walk, "distance": "3.5"}, token
    )
    answers["team page"] = walking.status(f"/teams/{team.id}")
    answers["import upload"] = walking.upload(
        "/imports/", "files", {"morning.gpx": gpx()}, walking.csrf_token("/imports/")
    )
    return answers, walk


def _a_page_is_live_again(url: str, walking: Browser, walker, team) -> None:
    """A page that reconnects catches up, then gets a walk logged now through the hub."""
    cursor = team_events.last_id(team.id)
    page = connect(url, f"/teams/{team.id}/live?after={cursor - 1}", walking.cookie_header())
    try:
        assert f'data-after="{cursor}"' in page.receive(timeout=15)
        walk = a_walk(walker, team, km=1.5)
        token = walking.csrf_token(f"/activities/new?team={team.id}")
        assert walking.submit("/activities/", walk, token) == 303
        logged = team_events.after(team.id, cursor)[0]
        assert f'data-after="{logged.id}"' in page.receive(timeout=15)
    finally:
        page.close()


def _activity_id(client_id: str) -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(Activity.id).where(Activity.client_id == client_id))


def _done(upload: GpsImport, welcome: OutboundEmail) -> bool:
    db.session.expire_all()
    return upload.status != ImportStatus.QUEUED and welcome.sent_at is not None
