"""Races decided by the database: two walkers at once, exactly one wins."""

import threading

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Team, TeamInvite, User
from milequest.services import team_invites, teams
from tests.factories import add_member, make_team, make_user

REFUSALS = (teams.TeamError, team_invites.InviteUnusable)


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
def test_two_walkers_racing_for_one_single_use_invite(app, attempt):
    team = make_team()
    invite = team_invites.invite_by_email(team, team.created_by, "shared@example.com")
    ann, bob = make_user(), make_user()
    db.session.commit()

    results = race(app, accept(invite.code, ann.id), accept(invite.code, bob.id))

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
