"""Races decided by the database: two walkers at once, exactly one wins."""

import threading
from datetime import date

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Journey, Membership, Route, Team, TeamEvent, TeamInvite, User
from milequest.services.journeying import journeys
from milequest.services.teamwork import team_invites, teams
from tests.factories import add_member, log, make_journey, make_team, make_user
from tests.helpers import hold_until_another_session_waits

REFUSALS = (teams.TeamError, team_invites.InviteUnusable, journeys.JourneyError)


def race(app, *actions) -> list[str]:
    """Run each action in its own thread, app context and transaction, released together."""
    barrier = threading.Barrier(len(actions))
    results = [""] * len(actions)

    def run(index: int, action) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                action()
                db.session.commit()
                results[index] = "won"
            except REFUSALS as refused:
                db.session.rollback()
                results[index] = type(refused).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def join(team_id: int, user_id: int):
    return lambda: teams.join_team(
        db.session.get(Team, team_id), db.session.get(User, user_id), via="race"
    )


def accept(code: str, user_id: int):
    return lambda: teams.join_with_invite(code, "email", db.session.get(User, user_id))


@pytest.mark.committing
@pytest.mark.parametrize("attempt", range(3))
def test_two_walkers_racing_for_the_last_seat(app, attempt):
    team = make_team(limit=3)
    add_member(team)
    ann, bob = make_user(), make_user()
    db.session.commit()

    results = race(app, join(team.id, ann.id), join(team.id, bob.id))

    assert sorted(results) == ["TeamFull", "won"]
    db.session.expire_all()
    assert db.session.get(Team, team.id).member_count == 3
    assert len(teams.members_of(team)) == 3


@pytest.mark.committing
@pytest.mark.parametrize("attempt", range(3))
def test_an_invite_accepted_twice_at_once_is_used_once(app, attempt):
    team = make_team()
    ann = make_user()
    invite = team_invites.invite_by_email(team, team.created_by, ann.email)
    db.session.commit()

    results = race(app, accept(invite.code, ann.id), accept(invite.code, ann.id))

    assert sorted(results) == ["InviteUnusable", "won"]
    db.session.expire_all()
    assert len(teams.members_of(team)) == 2


@pytest.mark.committing
@pytest.mark.parametrize("attempt", range(3))
def test_two_share_link_rotations_at_once_leave_one_active_link(app, attempt):
    team = make_team()
    db.session.commit()

    results = race(app, rotate(team.id), rotate(team.id))

    assert results == ["won", "won"]
    db.session.expire_all()
    active = db.session.scalars(
        select(TeamInvite).where(
            TeamInvite.team_id == team.id,
            TeamInvite.kind == "link",
            TeamInvite.revoked_at.is_(None),
        )
    ).all()
    assert len(active) == 1


def rotate(team_id: int):
    def action():
        team = db.session.get(Team, team_id)
        team_invites.rotate_share_link(team, team.created_by)

    return action


def while_archiving(team_id: int, archived: threading.Event):
    """Archive the team, then keep the transaction open until the change waits on its locks."""

    def action():
        team = db.session.get(Team, team_id)
        teams.archive_team(team, team.created_by)
        archived.set()
        hold_until_another_session_waits()

    return action


def team_changes(team_id: int, route_id: int, membership_id: int) -> dict:
    """Changes to the team, by or to the member of `membership_id`."""

    def team():
        return db.session.get(Team, team_id)

    def member():
        return db.session.get(Membership, membership_id)

    def start_again():
        route = db.session.get(Route, route_id)
        journeys.start_journey(team(), route, team().created_by, date.today())

    return {
        "journey start": start_again,
        "join": lambda: teams.join_team(team(), make_user(), via="race"),
        "leave": lambda: teams.leave_team(team(), member().user),
        "removal": lambda: teams.leave_team(team(), member().user, removed_by=team().created_by),
        "promotion": lambda: teams.change_role(team(), member(), "captain", team().created_by),
        "walk": lambda: log(member().user, 2),
    }


@pytest.mark.committing
@pytest.mark.parametrize(
    "change", ["join", "leave", "removal", "promotion", "journey start", "walk"]
)
def test_a_change_arriving_while_the_team_is_archived_changes_nothing(app, change):
    team = make_team()
    journey = make_journey(team)
    membership = add_member(team)
    db.session.commit()
    archived = threading.Event()
    late_change = team_changes(team.id, journey.route_id, membership.id)[change]

    def change_once_archiving():  # reads the team not yet archived, then waits on its locks
        archived.wait(timeout=10)
        late_change()

    results = race(app, while_archiving(team.id, archived), change_once_archiving)

    outcome = {"walk": "won", "journey start": "JourneyError"}.get(change, "TeamArchived")
    assert results == ["won", outcome]  # the walk is logged, and counts for no journey
    db.session.expire_all()
    assert db.session.get(Journey, journey.id).distance_m == 0
    assert journeys.active_journey(team) is None
    assert (team.member_count, membership.left_at, membership.role) == (2, None, "member")
    last = db.session.scalars(
        select(TeamEvent.kind).where(TeamEvent.team_id == team.id).order_by(TeamEvent.id.desc())
    ).first()
    assert last == "team_archived"
