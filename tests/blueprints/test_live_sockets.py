"""The live stream across real gunicorn processes, real Redis and real WebSocket clients."""

import re
import time
import uuid
from datetime import date, timedelta

import pytest
from simple_websocket import ConnectionClosed
from simple_websocket import ConnectionError as Refused

from milequest.extensions import db
from milequest.services.core import team_events
from milequest.services.live import live_streams
from milequest.services.walks import activities
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.live_servers import Browser, connect, web_processes

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # gunicorn processes


@pytest.fixture
def two_servers(app, tmp_path):
    with web_processes(app, 2, tmp_path) as urls:
        yield urls


@pytest.fixture
def one_server(app, tmp_path):
    with web_processes(app, 1, tmp_path) as urls:
        yield urls[0]


def event_ids(message: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="team-event-(\d+)"', message)]


def oob_section(message: str, section_id: str) -> str:
    """The out-of-band <section> with `section_id` in a live message."""
    match = re.search(rf'<section id="{section_id}" hx-swap-oob="true".*?</section>', message, re.S)
    assert match, f"no out-of-band #{section_id}"
    return match.group(0)


def signed_in(base_url: str, user) -> Browser:
    browser = Browser(base_url)
    browser.log_in(user.email)
    return browser


def receive_all(ws, quiet_s: float = 0.5, first_s: float = 5.0) -> list[str]:
    """Every message until none comes for `quiet_s` (the first may take `first_s`: a busy CI)."""
    first = ws.receive(timeout=first_s)
    messages = [] if first is None else [first]
    while first is not None and (message := ws.receive(timeout=quiet_s)) is not None:
        messages.append(message)
    return messages


def caught_up_then_a_join(base_url: str, team, cursor: int, browser: Browser, joiner: str):
    """What a socket opened after `cursor` catches up on, then what `joiner` joining sends."""
    ws = connect(base_url, f"/teams/{team.id}/live?after={cursor}", browser.cookie_header())
    try:
        caught_up = receive_all(ws)
        add_member(team, make_user(display_name=joiner))
        db.session.commit()
        return caught_up, receive_all(ws)
    finally:
        ws.close()


def test_a_walk_logged_through_one_process_reaches_a_socket_on_the_other_within_a_second(
    two_servers,
):
    first, second = two_servers
    team = make_team(public=True, name="Relay Ramblers")
    make_journey(team)
    joiner = make_user(display_name="Jo Newcomer")
    log(joiner, 1, day=date.today() - timedelta(days=1))  # the first-walk badge: before joining
    db.session.commit()
    watcher = signed_in(first, team.created_by)
    watcher.get(f"/teams/{team.id}")  # warm-up: the first render of a template compiles it
    ws = connect(
        first,
        f"/teams/{team.id}/live?after={team_events.last_id(team.id)}",
        watcher.cookie_header(),
    )
    try:
        assert ws.receive(timeout=0.3) is None  # nothing missed yet
        newcomer = signed_in(second, joiner)
        newcomer.post_form(f"/teams/{team.id}/join", {}, f"/teams/{team.id}")
        joined = receive_all(ws)  # untimed: it warms up both processes' paths too
        token = newcomer.csrf_token(f"/activities/new?team={team.id}")
        walk = {
            "client_id": str(uuid.uuid4()),
            "distance": "2.5",
            "unit": "km",
            "activity_date": activities.today_for(joiner).isoformat(),
            "kind": "walk",
            "team_id": str(team.id),
        }

        started = time.monotonic()
        status = newcomer.submit("/activities/", walk, token)
        message = ws.receive(timeout=1)
        elapsed = time.monotonic() - started
    finally:
        ws.close()

    assert status == 303
    assert message is not None, "no live message within a second"
    assert elapsed < 1
    (logged,) = team_events.after(team.id, event_ids(joined[-1])[-1])
    assert logged.kind == "activity_logged"
    assert event_ids(message) == [logged.id]
    assert f'<li id="team-event-{logged.id}">Jo Newcomer logged 2.5 km (walk)' in message
    assert 'hx-swap-oob="afterbegin:#team-event-list"' in message
    assert "<strong>2.5 km</strong> of" in oob_section(message, "journey-progress")
    assert re.search(r"Jo Newcomer.*2\.5 km", oob_section(message, "leaderboard"), re.S)

    assert len(joined) == 1 and "Jo Newcomer joined" in joined[0]
    assert 'hx-swap-oob="afterbegin:#team-event-list"' in joined[0]
    assert f'hx-get="/teams/{team.id}/parts/members"' in joined[0]  # each page refreshes #members


def test_a_client_that_reconnects_gets_exactly_what_it_missed_in_order(one_server):
    team = make_team(name="Gap Minders")
    db.session.commit()
    member = signed_in(one_server, team.created_by)
    cursor = team_events.last_id(team.id)
    ws = connect(one_server, f"/teams/{team.id}/live?after={cursor}", member.cookie_header())
    assert receive_all(ws, 0.3, first_s=0.3) == []
    ws.close()

    missed = [add_member(team, make_user(display_name=f"Missed {n}")) for n in range(3)]
    db.session.commit()
    missed_ids = [e.id for e in team_events.after(team.id, cursor)]
    assert len(missed_ids) == 3

    caught_up, live = caught_up_then_a_join(one_server, team, cursor, member, "Live One")

    assert [event_ids(m) for m in caught_up] == [[i] for i in missed_ids]
    assert [m.split(" joined")[0].rsplit(">", 1)[1] for m in caught_up] == [
        f"Missed {n}" for n in range(3)
    ]
    assert len(missed) == 3
    assert len(live) == 1 and "Live One joined" in live[0]
    assert event_ids(live[0])[0] > missed_ids[-1]


def test_a_removed_member_stops_receiving_the_team_and_only_that_team(one_server):
    team = make_team(name="Tight Knit")
    other_team = make_team(name="Other Lot")
    membership = add_member(team, make_user(display_name="Lee Leaver"))
    leaver = membership.user
    add_member(other_team, leaver)
    db.session.commit()
    captain = signed_in(one_server, team.created_by)
    leaver_browser = signed_in(one_server, leaver)
    sockets = {
        "captain": (team, captain),
        "leaver": (team, leaver_browser),
        "leaver elsewhere": (other_team, leaver_browser),
    }
    ws = {
        who: connect(
            one_server,
            f"/teams/{t.id}/live?after={team_events.last_id(t.id)}",
            browser.cookie_header(),
        )
        for who, (t, browser) in sockets.items()
    }
    try:
        status = captain.post_form(
            f"/teams/{team.id}/members/{membership.id}/remove", {}, f"/teams/{team.id}/members/"
        )
        removal = receive_all(ws["captain"])
        with pytest.raises(ConnectionClosed) as closed:
            ws["leaver"].receive(timeout=5)
        add_member(team, make_user(display_name="Nia Next"))
        add_member(other_team, make_user(display_name="Oli Other"))
        db.session.commit()
        after_removal = receive_all(ws["captain"])
        elsewhere = receive_all(ws["leaver elsewhere"])
    finally:
        for socket in ws.values():
            if socket.connected:
                socket.close()

    assert status == 200
    assert len(removal) == 1 and "removed Lee Leaver" in removal[0]
    assert closed.value.reason == live_streams.NO_LONGER_A_MEMBER
    assert len(after_removal) == 1 and "Nia Next joined" in after_removal[0]
    assert len(elsewhere) == 1 and "Oli Other joined" in elsewhere[0]


def test_a_walker_who_left_and_came_back_catches_up_past_their_leaving(one_server):
    team = make_team(public=True, name="Revolving Door")
    walker = add_member(team, make_user(display_name="Bo Back")).user
    db.session.commit()
    cursor = team_events.last_id(team.id)
    browser = signed_in(one_server, walker)
    browser.post_form(f"/teams/{team.id}/leave", {}, f"/teams/{team.id}")
    browser.post_form(f"/teams/{team.id}/join", {}, f"/teams/{team.id}")

    caught_up, live = caught_up_then_a_join(one_server, team, cursor, browser, "Cy Later")

    assert len(caught_up) == 2
    assert "Bo Back left the team" in caught_up[0] and "Bo Back joined" in caught_up[1]
    assert len(live) == 1 and "Cy Later joined" in live[0]


def test_outsiders_visitors_and_other_sites_cannot_open_the_socket(one_server):
    team = make_team(public=True, name="Closed Circle")
    outsider = make_user()
    db.session.commit()
    path = f"/teams/{team.id}/live"
    member_cookie = signed_in(one_server, team.created_by).cookie_header()
    outsider_cookie = signed_in(one_server, outsider).cookie_header()

    connect(one_server, path, member_cookie).close()  # the member gets in
    refusals = {
        "visitor of a public team": (outsider_cookie, None, 404),
        "not logged in": ("", None, 302),
        "another site with the member's cookie": (member_cookie, "http://evil.example", 403),
        "another host name": (member_cookie, one_server.replace("127.0.0.1", "localhost"), 403),
    }
    for who, (cookie, origin, status) in refusals.items():
        with pytest.raises(Refused) as refused:
            connect(one_server, path, cookie, origin=origin)
        assert refused.value.status_code == status, who
    with pytest.raises(Refused) as refused:
        connect(one_server, "/teams/999999/live", member_cookie)
    assert refused.value.status_code == 404
