"""Live messages over HTTP: the polling fallback and the parts a page re-fetches."""

import re

from milequest.extensions import db
from milequest.services.core import team_events
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import HTMX_HEADERS, sign_in_as


def element(html: str, element_id: str) -> str:
    """The element with `element_id`, up to its closing tag (no nesting of the same tag)."""
    match = re.search(rf'<(\w+) id="{element_id}"[^>]*>.*?</\1>', html, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


def test_polling_answers_the_events_after_the_cursor_as_live_messages(app, client):
    team = make_team()
    sign_in_as(client, team.created_by)
    cursor = team_events.last_id(team.id)
    assert client.get(f"/teams/{team.id}/updates?after={cursor}").status_code == 204

    joiner = add_member(team, make_user(display_name="Polly Poller"))
    db.session.commit()
    body = client.get(f"/teams/{team.id}/updates?after={cursor}", headers=HTMX_HEADERS).text

    assert "Polly Poller joined" in body
    new_id = team_events.last_id(team.id)
    assert f'data-after="{new_id}"' in body  # the page's cursor moves on
    assert f"/teams/{team.id}/updates?after={new_id}" in body
    assert joiner


def test_the_live_feed_entry_is_the_one_the_page_shows(app, client):
    team = make_team()
    add_member(team, make_user(display_name="Sam Same"))
    event = team_events.recent(team.id)[0]
    sign_in_as(client, team.created_by)

    page = client.get(f"/teams/{team.id}").text
    message = client.get(f"/teams/{team.id}/updates?after={event.id - 1}").text

    entry = element(page, f"team-event-{event.id}")
    assert "Sam Same joined" in entry
    assert entry in message


def test_a_shared_part_is_the_markup_the_page_shows_in_the_viewers_units(app, client):
    team = make_team()
    make_journey(team, distance_m=4321.0)
    walker = add_member(team, make_user(units="mi")).user
    team_events.record(team.id, "activity_logged")
    after = team_events.last_id(team.id) - 1

    for viewer, shown in [(team.created_by, "4.3 km"), (walker, "2.7 mi")]:
        sign_in_as(client, viewer)
        page = element(client.get(f"/teams/{team.id}").text, "journey-progress")
        message = client.get(f"/teams/{team.id}/updates?after={after}").text
        live = element(message, "journey-progress").replace(' hx-swap-oob="true"', "")
        assert shown in page
        assert live == page


def test_a_viewer_dependent_part_is_fetched_by_each_page(app, client):
    team = make_team()
    member = add_member(team, make_user(display_name="Vera Viewer")).user
    sign_in_as(client, member)

    members = client.get(f"/teams/{team.id}/parts/members", headers=HTMX_HEADERS)
    missing = client.get(f"/teams/{team.id}/parts/secrets", headers=HTMX_HEADERS)

    assert members.text.lstrip().startswith('<section id="members"')
    assert 'Vera Viewer</strong> <span class="muted">(you)' in members.text
    assert "Make captain" not in members.text  # a member sees no captain tools
    assert missing.status_code == 404


def test_a_logged_walk_sends_the_new_progress_and_leaderboard_to_everyone(app, client):
    team = make_team()
    make_journey(team)
    walker = add_member(team, make_user(display_name="Wendy Walker")).user
    after = team_events.last_id(team.id)
    log(walker, 2.5)
    db.session.commit()
    sign_in_as(client, team.created_by)

    message = client.get(f"/teams/{team.id}/updates?after={after}").text

    assert "Wendy Walker logged 2.5 km" in message
    assert 'id="journey-progress" hx-swap-oob="true"' in message
    leaderboard = element(message, "leaderboard")
    assert 'hx-swap-oob="true"' in leaderboard and "Wendy Walker" in leaderboard
