"""A web process's live hub whose Redis connection is cut: once it is subscribed again, its
pages get what was committed meanwhile (announcements sent while it was away are lost)."""

import time

import pytest
import redis

from milequest.extensions import db
from milequest.services.core import team_events
from milequest.services.live.live_hub import LiveHub
from tests.factories import add_member, make_team, make_user

pytestmark = pytest.mark.committing  # the hub's thread reads what the test committed


def test_a_hub_cut_from_redis_catches_up_on_what_it_was_never_told(app, monkeypatch):
    team = make_team(name="Cut Cable Club")
    db.session.commit()
    hub = LiveHub(app)
    try:
        cursor = team_events.last_id(team.id)
        listener = hub.listen(team.id, team.created_by.id, "km", cursor, "http://localhost/")
        monkeypatch.setattr(team_events, "_publish", lambda *args: None)  # never announced
        add_member(team, make_user(display_name="Quiet Quinn"))
        db.session.commit()
        (joined,) = team_events.after(team.id, cursor)
        assert listener.next(0.2) is None  # nobody told the hub

        redis.Redis.from_url(app.config["REDIS_URL"]).client_kill_filter(_type="pubsub")

        deadline = time.monotonic() + 10
        while (item := listener.next(0.1)) is None:
            assert time.monotonic() < deadline, "the hub never caught up"
    finally:
        hub.stop()
    assert item[0] == joined.id
    assert "Quiet Quinn joined" in item[1]
