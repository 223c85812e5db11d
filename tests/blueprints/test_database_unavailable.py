"""While the database is unreachable, every answer is a 503 with a Retry-After, rendered for
nobody (process-level: test_database_restart.py stops a real PostgreSQL)."""

import logging

import pytest
from psycopg2 import OperationalError as DriverError
from sqlalchemy.exc import OperationalError

from milequest.services.walkers import walker_sessions
from tests.factories import make_team
from tests.helpers import sign_in_as


@pytest.fixture
def database_gone(monkeypatch):
    """Every lookup of the logged-in walker fails as a stopped server makes it fail."""

    def refused(cookie_id, *widen, **params):
        raise OperationalError("SELECT ...", {}, DriverError("Connection refused"))

    monkeypatch.setattr(walker_sessions, "user_for_cookie_id", refused)


def test_a_page_says_to_try_again_without_showing_anyone_logged_in_or_out(
    client, database_gone, caplog
):
    caplog.set_level(logging.WARNING, logger="milequest.blueprints.errors")  # whatever root's is
    team = make_team()
    sign_in_as(client, team.created_by)
    response = client.get(f"/teams/{team.id}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    assert "Mile Quest is restarting. Nothing you sent was saved" in page
    assert f'href="http://localhost/teams/{team.id}">Try again</a>' in page
    assert '<main id="main"' in page  # what htmx swaps in on an error
    assert "data-walker" not in page  # no page of "nobody": the offline pages are kept
    assert "Log in" not in page
    (line,) = [r.getMessage() for r in caplog.records if r.name == "milequest.blueprints.errors"]
    assert (
        line == "Database unavailable: GET /teams/<int:team_id> answered 503 (Connection refused)"
    )


def test_the_api_answers_a_problem_document(client, database_gone):
    team = make_team()
    sign_in_as(client, team.created_by)
    response = client.get("/api/v1/me/activities")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 503
    assert response.headers["Retry-After"] == "5"
