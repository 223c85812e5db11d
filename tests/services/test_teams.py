import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import JourneyContribution, Membership, TeamEvent
from milequest.services.core import team_events
from milequest.services.journeying import journeys
from milequest.services.teamwork import team_invites, teams
from milequest.services.walks import activity_reviews
from tests.factories import add_member, log, make_journey, make_team, make_user


def event_kinds(team) -> list[str]:
    return list(
        db.session.scalars(
            select(TeamEvent.kind).where(TeamEvent.team_id == team.id).order_by(TeamEvent.id)
        )
    )


def test_creating_a_team_makes_its_creator_captain_with_a_share_link():
    captain = make_user()
    team = make_team(captain)

    [membership] = teams.members_of(team)
    assert membership.user_id == captain.id and membership.is_captain
    assert team.member_count == 1
    assert len(team_invites.share_link(team).code) == 8
    assert event_kinds(team) == ["team_created", "member_joined"]


def test_joining_respects_the_member_limit():
    team = make_team(limit=2)
    add_member(team)

    with pytest.raises(teams.TeamFull):
        teams.join_team(team, make_user(), via="test")
    assert team.member_count == 2


def test_joining_twice_is_a_no_op():
    team = make_team()
    walker = make_user()
    first = teams.join_team(team, walker, via="test")

    again = teams.join_team(team, walker, via="test")

    assert again.id == first.id
    assert team.member_count == 2
    assert event_kinds(team).count("member_joined") == 2  # the captain's and the walker's


def test_the_last_captain_cannot_leave_or_step_down():
    captain = make_user()
    team = make_team(captain)
    [membership] = teams.members_of(team)

    with pytest.raises(teams.LastCaptain):
        teams.leave_team(team, captain)
    with pytest.raises(teams.LastCaptain):
        teams.change_role(team, membership, "member", captain)
    assert teams.is_member(team, captain) and membership.is_captain


def test_a_captain_can_leave_after_handing_over():
    captain = make_user()
    team = make_team(captain)
    successor = add_member(team)

    teams.change_role(team, successor, "captain", captain)
    teams.leave_team(team, captain)

    assert not teams.is_member(team, captain)
    assert team.member_count == 1
    assert event_kinds(team)[-2:] == ["role_changed", "member_left"]


def test_leaving_keeps_the_membership_as_history_and_allows_rejoining():
    team = make_team()
    walker = add_member(team).user

    teams.leave_team(team, walker)
    teams.join_team(team, walker, via="test")

    rows = db.session.scalars(
        select(Membership).where(Membership.user_id == walker.id).order_by(Membership.id)
    ).all()
    assert [r.left_at is None for r in rows] == [False, True]


def test_archived_teams_are_read_only_and_leave_the_members_list():
    captain = make_user()
    team = make_team(captain)

    teams.archive_team(team, captain)

    with pytest.raises(teams.TeamArchived):
        teams.join_team(team, make_user(), via="test")
    with pytest.raises(teams.TeamArchived):
        teams.update_team(team, name="New", description="", is_public=False, member_limit=50)
    assert teams.teams_for(captain) == []
    assert teams.teams_for(captain, archived=True) == [team]
    assert team_invites.share_link(team) is None


def test_archiving_ends_the_journey_so_later_walks_credit_nothing():
    team = make_team()
    journey = make_journey(team)
    walker = add_member(team).user
    log(walker, 2)

    teams.archive_team(team, team.created_by)
    log(walker, 3)

    assert (journey.status, journey.ended_at is not None) == ("abandoned", True)
    assert journeys.active_journey(team) is None
    assert journey.distance_m == 2000
    assert db.session.get(JourneyContribution, (journey.id, walker.id)).distance_m == 2000
    assert event_kinds(team)[-4:] == [
        "activity_logged",
        "badge_earned",  # the walker's first walk
        "journey_abandoned",
        "team_archived",
    ]


def test_a_walk_after_archiving_still_counts_for_the_walkers_other_teams():
    archived, other = make_team(), make_team()
    walker = add_member(archived).user
    add_member(other, walker)
    make_journey(archived)
    journey = make_journey(other)
    teams.archive_team(archived, archived.created_by)

    log(walker, 3)

    assert journey.distance_m == 3000
    assert event_kinds(other)[-2:] == ["activity_logged", "badge_earned"]
    assert event_kinds(archived)[-1] == "team_archived"  # not even the badge


def test_an_archived_teams_log_ends_with_its_archiving():
    archived, other = make_team(), make_team()
    walker = add_member(archived).user
    add_member(other, walker)
    make_journey(archived)
    make_journey(other)
    held = log(walker, 10, duration_s=3600)  # 10 km/h: a walk held for a captain
    teams.archive_team(archived, archived.created_by)

    activity_reviews.review(held.id, other, other.created_by, approve=True)
    late = team_events.record(archived.id, "photo_approved", actor=walker)

    assert held.review_status == "ok" and late is None
    assert {"activity_approved", "milestone_reached"} <= set(event_kinds(other))
    assert event_kinds(archived)[-1] == "team_archived"


def test_nobody_leaves_is_removed_or_changes_role_in_an_archived_team():
    captain = make_user()
    team = make_team(captain)
    member = add_member(team)
    teams.archive_team(team, captain)

    with pytest.raises(teams.TeamArchived):
        teams.leave_team(team, member.user)
    with pytest.raises(teams.TeamArchived):
        teams.leave_team(team, member.user, removed_by=captain)
    with pytest.raises(teams.TeamArchived):
        teams.change_role(team, member, "captain", captain)
    assert teams.is_member(team, member.user) and not member.is_captain
    assert team.member_count == 2
    assert event_kinds(team)[-1] == "team_archived"


def test_the_limit_cannot_drop_below_the_members_already_in():
    team = make_team(limit=5)
    add_member(team)
    add_member(team)
    with pytest.raises(teams.TeamError, match="already has 3 members"):
        teams.update_team(team, name=team.name, description="", is_public=False, member_limit=2)


def test_directory_lists_public_teams_by_similarity_and_hides_private_ones():
    make_team(public=True, name="Paris Walkers")
    make_team(public=True, name="Parish Ramblers")
    make_team(public=False, name="Paris Secret Society")
    make_team(public=True, name="Oslo Striders")

    names = [t.name for t in teams.directory("paris walk")]

    assert names[0] == "Paris Walkers"
    assert "Paris Secret Society" not in names
    assert "Oslo Striders" not in names


def test_team_event_log_is_append_only():
    team = make_team()
    event = db.session.scalars(select(TeamEvent).where(TeamEvent.team_id == team.id)).first()
    event.kind = "tampered"
    with pytest.raises(Exception, match="append-only"):
        db.session.flush()
