"""The team page's shared parts are rendered once per team version and unit system, the
viewer's own parts on every request; fragments and the polling fallback answer 304."""

import re
from datetime import UTC, datetime

import pytest

from milequest.extensions import db
from milequest.models import Team
from milequest.services.core.team_access import TeamAccess
from milequest.services.live import team_page_parts
from milequest.services.teamwork import teams
from milequest.services.walkers import accounts
from milequest.services.walks import activities
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import sign_in_as

_CLIENT_ID = re.compile(r'name="client_id"[^>]*value="([^"]+)"')
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def _empty_render_cache():
    team_page_parts.RENDERS.clear()
    team_page_parts.SHOWN_JOURNEYS.clear()
    yield
    team_page_parts.RENDERS.clear()


def _page(client, user, path: str) -> str:
    sign_in_as(client, user)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _team_with_two_walkers():
    captain = make_user(display_name="Cora Captain", units="km")
    team = make_team(captain)
    make_journey(team)
    member = add_member(team, make_user(display_name="Mo Member", units="mi")).user
    return team, captain, member


def test_a_member_sees_a_new_walk_right_after_it_is_logged(client):
    team, captain, member = _team_with_two_walkers()
    before = _page(client, captain, f"/teams/{team.id}")  # fills the cache

    log(member, 4.5)
    after = _page(client, captain, f"/teams/{team.id}")

    assert "Mo Member logged" not in before
    assert "Mo Member logged 4.5 km (walk)" in after
    assert "<strong>4.5 km</strong> of" in after  # the journey's progress moved too
    assert after.count("Mo Member logged") == 1


def test_each_unit_system_gets_its_own_render(client):
    team, captain, member = _team_with_two_walkers()
    log(member, 8.0)

    in_km = _page(client, captain, f"/teams/{team.id}")
    in_miles = _page(client, member, f"/teams/{team.id}")
    in_km_again = _page(client, captain, f"/teams/{team.id}")

    assert "Mo Member logged 8.0 km (walk)" in in_km and "<strong>8.0 km</strong> of" in in_km
    assert "Mo Member logged 5.0 mi (walk)" in in_miles and "<strong>5.0 mi</strong> of" in in_miles
    assert "<td>8.0 km</td>" in in_km and "<td>5.0 mi</td>" in in_miles  # the leaderboard
    outside_the_form = re.sub(r"<form.*?</form>", "", in_miles, flags=re.S)
    assert not re.search(r"\d km\b", outside_the_form)
    assert _without_per_request_values(in_km_again) == _without_per_request_values(in_km)


def _without_per_request_values(page: str) -> str:
    """The page less what is new on every request: CSRF tokens, the log's client id, and the
    postcards a member is shown once (the banner is per viewer, by design)."""
    page = re.sub(r'<div id="postcards" class="postcards">.*?\n</div>', "", page, flags=re.S)
    page = page.replace(_CLIENT_ID.search(page)[1], "client-id")
    for token in set(_TOKEN.findall(page) + re.findall(r'"X-CSRFToken": "([^"]+)"', page)):
        page = page.replace(token, "token")
    return page


def test_an_outsider_still_gets_404_once_the_parts_are_cached(client):
    team, captain, _ = _team_with_two_walkers()
    log(captain, 2.0)
    _page(client, captain, f"/teams/{team.id}")
    _page(client, captain, f"/teams/{team.id}/leaderboard")

    sign_in_as(client, make_user())
    for path in ("", "/leaderboard", "/updates?after=0", "/parts/members"):
        assert client.get(f"/teams/{team.id}{path}").status_code == 404, path


def test_per_viewer_parts_never_leak_between_viewers(app):
    team, captain, member = _team_with_two_walkers()
    log(member, 3.0)
    members_browser, captains_browser = app.test_client(), app.test_client()  # own sessions

    # Either order: whoever renders the shared parts first must not leave their own parts in.
    member_first = _page(members_browser, member, f"/teams/{team.id}")
    captain_page = _page(captains_browser, captain, f"/teams/{team.id}")
    team_page_parts.RENDERS.clear()
    captain_first = _page(captains_browser, captain, f"/teams/{team.id}")
    member_page = _page(members_browser, member, f"/teams/{team.id}")

    for page in (member_first, member_page):
        assert "Make captain" not in page and "Remove</button>" not in page
        assert "Invite people" not in page
        assert _you(page) == ["Mo Member"]
        assert _checked_unit(page) == "mi"  # the log form in the member's own unit
    for page in (captain_page, captain_first):
        assert "Make captain" in page and "Invite people" in page
        assert _you(page) == ["Cora Captain"]
        assert _checked_unit(page) == "km"
    member_tokens = set(_TOKEN.findall(member_first) + _TOKEN.findall(member_page))
    captain_tokens = set(_TOKEN.findall(captain_page) + _TOKEN.findall(captain_first))
    assert member_tokens and captain_tokens and not member_tokens & captain_tokens
    assert _CLIENT_ID.search(member_first)[1] != _CLIENT_ID.search(member_page)[1]


def _checked_unit(page: str) -> str:
    (unit,) = re.findall(r'<input checked[^>]*name="unit"[^>]*value="(\w+)"', page)
    return unit


def _you(page: str) -> list[str]:
    """The names marked "(you)" in the member list."""
    return re.findall(r'>([^<>]+)</strong> <span class="muted">\(you\)</span>', page)


def test_a_renamed_member_shows_under_the_new_name(client):
    team, captain, member = _team_with_two_walkers()
    log(member, 3.0)
    assert "Mo Member" in _page(client, captain, f"/teams/{team.id}")

    accounts.update_profile(member, "Maud Walker", "mi", "UTC")
    db.session.flush()
    page = _page(client, captain, f"/teams/{team.id}")

    assert "Mo Member" not in page and page.count("Maud Walker") >= 3  # members, board, feed


def test_the_leaderboard_fragment_answers_304_until_the_team_moves(client):
    team, captain, member = _team_with_two_walkers()
    sign_in_as(client, captain)
    first = client.get(f"/teams/{team.id}/leaderboard")
    etag = first.headers["ETag"]

    again = client.get(f"/teams/{team.id}/leaderboard", headers={"If-None-Match": etag})
    log(member, 2.0)
    moved = client.get(f"/teams/{team.id}/leaderboard", headers={"If-None-Match": etag})

    assert first.status_code == 200 and "private" in first.headers["Cache-Control"]
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    assert "Mo Member" in moved.get_data(as_text=True)
    sign_in_as(client, member)  # another unit system: another tag
    assert (
        client.get(f"/teams/{team.id}/leaderboard", headers={"If-None-Match": etag}).status_code
        == 200
    )


def test_the_polling_fallback_answers_304_for_what_the_page_already_has(client):
    team, captain, member = _team_with_two_walkers()
    sign_in_as(client, captain)
    after = client.get(f"/teams/{team.id}").get_data(as_text=True)
    cursor = re.search(r'data-after="(\d+)"', after)[1]
    assert client.get(f"/teams/{team.id}/updates?after={cursor}").status_code == 204

    log(member, 2.0)
    first = client.get(f"/teams/{team.id}/updates?after={cursor}")
    again = client.get(
        f"/teams/{team.id}/updates?after={cursor}", headers={"If-None-Match": first.headers["ETag"]}
    )

    assert first.status_code == 200 and "Mo Member logged" in first.get_data(as_text=True)
    assert again.status_code == 304 and again.get_data() == b""


def test_a_database_reset_that_reuses_ids_does_not_reuse_renders():
    team = Team(id=1, name="Dawn Patrol", description="", is_public=False)
    before = TeamAccess(team, None, 3, datetime(2026, 1, 1, tzinfo=UTC))
    after_reset = TeamAccess(team, None, 3, datetime(2026, 1, 2, tzinfo=UTC))

    assert team_page_parts.version_of(before) != team_page_parts.version_of(after_reset)
    assert team_page_parts.version_of(before) == team_page_parts.version_of(before)


def test_the_kept_log_form_carries_each_pages_own_team_token_and_day(app):
    team, captain, _ = _team_with_two_walkers()
    other = make_team(make_user(units="km"))
    make_journey(other)
    first = _page(app.test_client(), captain, f"/teams/{team.id}")  # km, today: form kept
    second = _page(app.test_client(), other.created_by, f"/teams/{other.id}")

    assert re.search(r'name="team_id"[^>]*value="(\d+)"', first)[1] == str(team.id)
    assert re.search(r'name="team_id"[^>]*value="(\d+)"', second)[1] == str(other.id)
    assert _TOKEN.search(first)[1] != _TOKEN.search(second)[1]
    assert "@@" not in first + second  # no placeholder left unfilled
    today = activities.today_for(captain)
    assert f'max="{today.isoformat()}"' in first and f'value="{today.isoformat()}"' in first


def test_each_captain_gets_their_own_member_list_and_it_follows_role_changes(app):
    team, cora, member = _team_with_two_walkers()
    cy = add_member(team, make_user(display_name="Cy Second", units="km"), role="captain").user
    coras_browser, cys_browser = app.test_client(), app.test_client()
    coras_page = _page(coras_browser, cora, f"/teams/{team.id}")
    cys_page = _page(cys_browser, cy, f"/teams/{team.id}")  # same version, units and role

    assert _you(coras_page) == ["Cora Captain"] and _you(cys_page) == ["Cy Second"]
    for page, me in ((coras_page, cora), (cys_page, cy)):
        membership_id = next(m.id for m in teams.members_of(team) if m.user_id == me.id)
        assert f"/members/{membership_id}/remove" not in page  # nobody removes themselves
        tokens = set(_TOKEN.findall(page))
        assert len(tokens) == 1 and "@@" not in page  # one token, the viewer's own, everywhere
    assert not set(_TOKEN.findall(coras_page)) & set(_TOKEN.findall(cys_page))

    membership = next(m for m in teams.members_of(team) if m.user_id == member.id)
    token = _TOKEN.search(coras_page)[1]
    changed = coras_browser.post(
        f"/teams/{team.id}/members/{membership.id}/role",
        data={"csrf_token": token, "role": "captain"},
    )
    assert changed.status_code == 303
    again = _page(coras_browser, cora, f"/teams/{team.id}")

    assert again.count("Make member") == 3 and "Make captain" not in again
