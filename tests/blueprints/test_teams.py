from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Team
from milequest.services.teamwork import teams
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import HTMX_HEADERS, csrf_token, post_form, sign_in_as

NEW_TEAM = {"name": "Dawn Patrol", "description": "Early walkers", "member_limit": "12"}


def test_a_verified_walker_creates_a_team_and_lands_on_its_invite_page(client):
    walker = make_user()
    sign_in_as(client, walker)

    response = post_form(client, "/teams/new", {**NEW_TEAM, "is_public": "y"})

    team = db.session.scalar(select(Team).where(Team.name == "Dawn Patrol"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/teams/{team.id}/invites"
    assert (team.is_public, team.member_limit) == (True, 12)
    assert teams.teams_for(walker) == [team]
    assert "Dawn Patrol" in client.get("/dashboard").get_data(as_text=True)


def test_an_unverified_walker_is_asked_to_confirm_first(client):
    sign_in_as(client, make_user(verified=False))
    response = post_form(client, "/teams/new", NEW_TEAM)
    assert response.status_code == 422
    assert "Confirm your email" in response.get_data(as_text=True)
    assert db.session.scalar(select(Team)) is None


def test_team_names_are_checked_for_length_and_profanity(client):
    sign_in_as(client, make_user())

    short = post_form(client, "/teams/new", {**NEW_TEAM, "name": "ab"})
    rude = post_form(client, "/teams/new", {**NEW_TEAM, "name": "Shit Kickers"})
    rude_description = post_form(client, "/teams/new", {**NEW_TEAM, "description": "what the fuck"})

    assert short.status_code == rude.status_code == rude_description.status_code == 422
    assert "at least 3 characters" in short.get_data(as_text=True)
    assert "without profanity" in rude.get_data(as_text=True)
    assert "without profanity" in rude_description.get_data(as_text=True)
    assert 'value="Shit Kickers"' in rude.get_data(as_text=True)  # input kept to fix
    assert db.session.scalar(select(Team)) is None


def test_member_limit_outside_2_to_500_is_refused(client):
    sign_in_as(client, make_user())
    response = post_form(client, "/teams/new", {**NEW_TEAM, "member_limit": "5000"})
    assert response.status_code == 422
    assert "between 2 and 500" in response.get_data(as_text=True)


def test_captain_edits_the_team(client):
    captain = make_user()
    team = make_team(captain)
    sign_in_as(client, captain)

    response = post_form(client, f"/teams/{team.id}/edit", {**NEW_TEAM, "name": "Night Owls"})

    assert response.status_code == 303
    assert db.session.get(Team, team.id).name == "Night Owls"


def test_the_team_page_shows_members_and_recent_events(client):
    captain = make_user(display_name="Cap Tain")
    team = make_team(captain, name="Dawn Patrol")
    add_member(team, make_user(display_name="Mia Member"))
    sign_in_as(client, captain)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "Dawn Patrol" in page and "Mia Member" in page
    assert "created the team" in page and "joined" in page


def test_directory_search_answers_a_fragment_for_htmx(client):
    make_team(public=True, name="Paris Walkers")
    make_team(public=False, name="Paris Secret")
    sign_in_as(client, make_user())

    full = client.get("/teams/?q=paris")
    fragment = client.get("/teams/?q=paris", headers=HTMX_HEADERS)

    assert "Paris Walkers" in full.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="team-results"' in fragment.get_data(as_text=True)
    assert "Paris Secret" not in full.get_data(as_text=True) + fragment.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]


def test_joining_a_full_public_team_is_refused_clearly(client):
    team = make_team(public=True, limit=2)
    add_member(team)
    sign_in_as(client, make_user())

    response = post_form(client, f"/teams/{team.id}/join", {})

    assert response.status_code == 303
    assert "This team is full" in client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert team.member_count == 2


def test_the_last_captain_stepping_down_sees_why_not(client):
    captain = make_user()
    team = make_team(captain)
    [membership] = teams.members_of(team)
    sign_in_as(client, captain)
    url = f"/teams/{team.id}/members/{membership.id}/role"

    plain = post_form(client, url, {"role": "member"})
    assert plain.status_code == 303
    assert "needs a captain" in client.get(plain.headers["Location"]).get_data(as_text=True)

    swapped = client.post(
        url, data={"role": "member", "csrf_token": csrf_token(client)}, headers=HTMX_HEADERS
    )
    assert swapped.status_code == 422
    assert 'id="members"' in swapped.get_data(as_text=True)
    assert "needs a captain" in swapped.get_data(as_text=True)
    assert membership.is_captain


def test_captain_promotes_and_removes_members_with_htmx(client):
    captain = make_user()
    team = make_team(captain)
    mia = add_member(team, make_user(display_name="Mia"))
    leo = add_member(team, make_user(display_name="Leo"))
    sign_in_as(client, captain)
    token = csrf_token(client)

    promoted = client.post(
        f"/teams/{team.id}/members/{mia.id}/role",
        data={"role": "captain", "csrf_token": token},
        headers=HTMX_HEADERS,
    )
    removed = client.post(
        f"/teams/{team.id}/members/{leo.id}/remove",
        data={"csrf_token": token},
        headers=HTMX_HEADERS,
    )

    assert promoted.status_code == removed.status_code == 200
    assert mia.is_captain
    assert "Leo" not in removed.get_data(as_text=True)
    assert not teams.is_member(team, leo.user)
    assert team.member_count == 2


def test_a_member_leaves_and_the_team_leaves_their_dashboard(client):
    team = make_team(name="Dawn Patrol")
    walker = add_member(team).user
    sign_in_as(client, walker)

    response = post_form(client, f"/teams/{team.id}/leave", {})

    assert response.status_code == 303
    assert f'href="/teams/{team.id}"' not in client.get("/dashboard").get_data(as_text=True)


def test_archiving_makes_the_team_read_only(client):
    captain = make_user()
    team = make_team(captain, name="Dawn Patrol")
    sign_in_as(client, captain)

    post_form(client, f"/teams/{team.id}/archive", {})

    assert team.is_archived
    assert f'href="/teams/{team.id}"' not in client.get("/dashboard").get_data(as_text=True)
    assert "archived" in client.get(f"/teams/{team.id}").get_data(as_text=True)
    edit = post_form(client, f"/teams/{team.id}/edit", {**NEW_TEAM, "name": "Renamed"})
    assert edit.status_code == 422 and team.name == "Dawn Patrol"


def archived_team_on_a_journey():
    """An archived team whose member walked 3 km of its journey: (team, captain, member)."""
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    member = add_member(team, make_user(display_name="Mia Member"))
    log(member.user, 3.0)
    teams.archive_team(team, team.created_by)
    return team, team.created_by, member


def test_an_archived_teams_page_keeps_its_history_without_tools(client):
    team, captain, _ = archived_team_on_a_journey()
    sign_in_as(client, captain)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "This team is archived: it is read-only." in page
    assert 'id="journey-progress"' in page and 'id="leaderboard"' in page
    assert "Mia Member" in page and "3.0 km" in page
    assert "abandoned the journey" in page and "archived the team" in page
    for tool in ('id="log-title"', "Invite people", "Team code", "Make captain", "Remove"):
        assert tool not in page
    assert "Leave team" not in page
    leaderboard = client.get(f"/teams/{team.id}/leaderboard").get_data(as_text=True)
    assert "Mia Member" in leaderboard and "3.0 km" in leaderboard


def test_removals_and_role_changes_in_an_archived_team_are_refused_clearly(client):
    team, captain, member = archived_team_on_a_journey()
    sign_in_as(client, captain)
    base = f"/teams/{team.id}/members/{member.id}"

    removal = post_form(client, f"{base}/remove", {}, htmx=True)
    promotion = post_form(client, f"{base}/role", {"role": "captain"})

    assert removal.status_code == 422
    assert "This team is archived" in removal.get_data(as_text=True)
    assert promotion.status_code == 303
    shown = client.get(promotion.headers["Location"]).get_data(as_text=True)
    assert "This team is archived" in shown
    assert teams.is_member(team, member.user) and not member.is_captain


def test_leaving_an_archived_team_is_refused_clearly(client):
    team, _, member = archived_team_on_a_journey()
    sign_in_as(client, member.user)

    response = post_form(client, f"/teams/{team.id}/leave", {})

    assert response.status_code == 303
    assert "This team is archived" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert teams.is_member(team, member.user)


def test_the_leaderboard_fragment_ranks_members_from_the_counters(client):
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    walker = add_member(team).user
    log(walker, 3.0)
    sign_in_as(client, walker)

    response = client.get(f"/teams/{team.id}/leaderboard")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.startswith('<section id="leaderboard"')
    assert page.index(walker.display_name) < page.index(team.created_by.display_name)
    assert "3.0 km" in page
