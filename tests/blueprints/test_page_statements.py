"""Database statements per request on the pages walkers open most (issue 16): the walker, their
session, the team's access row and the header's count come in one query, the rest of a warm
team page from renders kept per team version. A change that adds a round trip fails here; one
that serves a stale render fails in test_team_page_cache.py."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from milequest.extensions import db
from milequest.services.journeying import journeys
from milequest.services.live import team_page_parts
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import sign_in_as

# What the test's own transaction handling sends (the code under test commits into savepoints).
_TRANSACTION = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@pytest.fixture(autouse=True)
def _empty_caches():
    team_page_parts.RENDERS.clear()
    team_page_parts.SHOWN_JOURNEYS.clear()
    team_page_parts.ALL_POSTCARDS_SEEN.clear()


@contextmanager
def statements():
    """The statements sent to the database meanwhile (a list, filled as they go)."""
    seen: list[str] = []

    def catch(conn, cursor, statement, *args):
        if not _TRANSACTION.match(statement):
            seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)


def _member_of_a_walking_team():
    team = make_team(make_user(display_name="Cora Captain"))
    make_journey(team)
    member = add_member(team, make_user(display_name="Mo Member")).user
    log(team.created_by, 3.0)
    log(member, 2.0)
    return team, member


def test_a_warm_team_page_costs_one_query(client):
    team, member = _member_of_a_walking_team()
    sign_in_as(client, member)
    assert client.get(f"/teams/{team.id}").status_code == 200  # renders the shared parts

    with statements() as sent:
        page = client.get(f"/teams/{team.id}")

    assert page.status_code == 200 and "Mo Member logged 2.0 km" in page.text
    assert 'name="client_id"' in page.text  # the log form is there
    assert len(sent) == 1, sent
    assert "walker_sessions" in sent[0] and "teams" in sent[0] and "notifications" in sent[0]


def test_the_first_view_at_a_new_version_reads_what_it_renders_then_one_query_again(client):
    team, member = _member_of_a_walking_team()
    sign_in_as(client, member)
    client.get(f"/teams/{team.id}")

    log(member, 1.0)  # the team moves on: every shared part is rendered anew
    with statements() as first:
        assert "logged 1.0 km" in client.get(f"/teams/{team.id}").text
    with statements() as again:
        client.get(f"/teams/{team.id}")

    # The renders read the journey, its position and map, milestone, leaderboard, members and
    # feed, and the postcard this walk earned (shown to the member once): cold, not cheap.
    assert 1 < len(first) <= 20, first
    assert len(again) == 1, again


def test_the_leaderboard_fragment_costs_one_query(client):
    team, member = _member_of_a_walking_team()
    sign_in_as(client, member)
    client.get(f"/teams/{team.id}/leaderboard")

    with statements() as sent:
        fragment = client.get(f"/teams/{team.id}/leaderboard")

    assert fragment.status_code == 200 and "Mo Member" in fragment.text
    assert len(sent) == 1, sent
    assert "notifications" in sent[0]  # a GET: the header's count rides along, unused here


def test_an_outsider_is_refused_from_the_same_single_query(client):
    team, _ = _member_of_a_walking_team()
    sign_in_as(client, make_user())

    with statements() as sent:
        assert client.get(f"/teams/{team.id}/leaderboard").status_code == 404

    assert len(sent) == 1, sent


def test_the_dashboard_costs_three_queries(client):
    team, member = _member_of_a_walking_team()
    other = make_team(make_user())
    add_member(other, member)
    sign_in_as(client, member)
    client.get("/dashboard")

    with statements() as sent:
        page = client.get("/dashboard")

    assert page.status_code == 200 and team.name in page.text and other.name in page.text
    assert len(sent) == 3, sent  # walker (+ count), teams with their bars, the walker's days


def test_logging_a_walk_does_not_reload_the_walker_after_its_commit(client):
    team, member = _member_of_a_walking_team()
    sign_in_as(client, member)
    page = client.get(f"/teams/{team.id}").text
    form = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    form |= {"distance": "2.5", "unit": "km", "kind": "walk"}

    with statements() as sent:
        response = client.post("/activities/", data=form)

    assert response.status_code == 303 and response.headers["Location"] == f"/teams/{team.id}"
    assert "2.5 km" in client.get(f"/teams/{team.id}").text
    # The walk, its counters, badges, feed line, and the milestone it passed with its postcard.
    assert len(sent) <= 25, sent
    assert not [s for s in sent if "FROM users WHERE users.id = " in s], sent  # expired, reloaded


def test_a_journey_abandoned_is_not_shown_from_the_cache(client):
    team, member = _member_of_a_walking_team()
    sign_in_as(client, member)
    assert "Log a walk" in client.get(f"/teams/{team.id}").text

    journeys.abandon_journey(journeys.active_journey(team), team.created_by)
    db.session.flush()
    page = client.get(f"/teams/{team.id}").text

    assert "Log a walk" not in page and "No journey yet" in page
