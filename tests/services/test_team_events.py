"""The team event log announces an event on Redis only once its transaction commits."""

import redis

from milequest.extensions import db
from milequest.services.core import team_events
from tests.factories import make_team


def subscribed(app, team_id: int):
    pubsub = redis.Redis.from_url(app.config["REDIS_URL"]).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(team_events.channel(team_id))
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    return pubsub


def published(pubsub) -> list[int]:
    ids = []
    while message := pubsub.get_message(timeout=0.2):
        ids.append(int(message["data"]))
    return ids


def test_an_event_is_announced_after_commit_and_not_before(app):
    team = make_team()
    db.session.commit()
    pubsub = subscribed(app, team.id)

    first = team_events.record(team.id, "team_archived")
    second = team_events.record(team.id, "team_archived")
    assert published(pubsub) == []
    db.session.commit()

    assert published(pubsub) == [first.id, second.id]


def test_a_rolled_back_event_is_never_announced(app):
    team = make_team()
    db.session.commit()
    pubsub = subscribed(app, team.id)

    team_events.record(team.id, "team_archived")
    db.session.rollback()
    db.session.commit()

    assert published(pubsub) == []


def test_a_savepoint_released_before_the_commit_announces_nothing_yet(app):
    team = make_team()
    db.session.commit()
    pubsub = subscribed(app, team.id)

    event = team_events.record(team.id, "team_archived")
    with db.session.begin_nested():  # as joining a team does, for its race with a twin request
        pass
    assert published(pubsub) == []  # a reader of the log would not see the event yet
    db.session.commit()

    assert published(pubsub) == [event.id]


def test_a_savepoint_rolled_back_keeps_the_events_recorded_before_it(app):
    team = make_team()
    db.session.commit()
    pubsub = subscribed(app, team.id)

    event = team_events.record(team.id, "team_archived")
    db.session.begin_nested().rollback()
    db.session.commit()

    assert published(pubsub) == [event.id]


def test_after_reads_a_teams_events_oldest_first(app):
    team, other = make_team(), make_team()
    start = team_events.last_id(team.id)
    mine = [team_events.record(team.id, "team_archived").id for _ in range(3)]
    team_events.record(other.id, "team_archived")

    assert [e.id for e in team_events.after(team.id, start)] == mine
    assert [e.id for e in team_events.after(team.id, mine[0])] == mine[1:]
    assert team_events.last_id(team.id) == mine[-1]
