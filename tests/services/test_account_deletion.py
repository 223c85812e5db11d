"""Deleting an account: counters stay the rule's sums and no row names the walker."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import String, Text, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB

from milequest.extensions import db
from milequest.models import Journey, Membership, Route, Team, TeamEvent, User
from milequest.models.base import utcnow
from milequest.services.core import counters
from milequest.services.walkers import account_deletion, accounts
from milequest.services.walks import activities
from tests.factories import (
    SHORT_WALK,
    add_member,
    add_photo,
    log,
    make_journey,
    make_route,
    make_team,
    make_user,
)
from tests.helpers import hold_until_another_session_waits
from tests.services.test_counters_concurrency import run_together
from tests.services.test_photos import stored_files


def _due(user: User) -> None:
    account_deletion.request_deletion(user)
    user.deletion_due_at = utcnow() - timedelta(seconds=1)
    db.session.flush()


def rows_naming(user_id: int, email: str, display_name: str) -> dict[str, int]:
    """Every table's rows that hold the walker's id (in a users FK), email or name."""
    found = {}
    for table in db.metadata.sorted_tables:
        conditions = []
        for column in table.columns:
            names_a_user = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if names_a_user or (table.name == "users" and column.name == "id"):
                conditions.append(column == user_id)
            elif isinstance(column.type, String | Text) or column.type.__class__.__name__ in (
                "CITEXT",
            ):
                text = cast(column, Text)
                conditions += [text.ilike(f"%{email}%"), text.ilike(f"%{display_name}%")]
            elif isinstance(column.type, JSONB):
                conditions.append(cast(column, Text).ilike(f"%{display_name}%"))
        if conditions:
            count = db.session.scalar(
                select(func.count()).select_from(table).where(or_(*conditions))
            )
            if count:
                found[table.name] = count
    return found


def no_drift() -> bool:
    return not any(counters.find_drift().values())


def test_deleting_a_walker_takes_back_every_counter_and_leaves_no_row_naming_them(app):
    captain = make_user()
    walker = make_user(display_name="Zebulon Quist")
    team = make_team(captain)
    journey = make_journey(team)
    add_member(team, walker)
    teammate = add_member(team).user
    own_route = make_route(walker, SHORT_WALK, name="Zebulon's way")
    unused_route = make_route(walker, SHORT_WALK)
    led = make_team(walker)  # walker is its only captain: the longest-standing member leads on
    elder, younger = add_member(led).user, add_member(led).user
    led_journey = make_journey(led, own_route)
    alone = make_team(walker)  # nobody else: archived
    make_journey(alone, make_route(captain, SHORT_WALK))
    add_photo(log(walker, 4.2, note="Zebulon's morning"), status="approved")
    log(walker, 2.5)
    log(teammate, 3.0)
    log(elder, 1.25)
    log(walker, 1.0, day=activities.today_for(walker) - timedelta(days=3))
    db.session.commit()
    assert stored_files(app) != [] and no_drift()
    walker_id, email, name = walker.id, walker.email, walker.display_name
    unused_route_id = unused_route.id
    _due(walker)

    assert account_deletion.delete_account(walker_id) is True
    db.session.commit()

    assert no_drift()
    assert db.session.get(Journey, journey.id).distance_m == Decimal("3000.000")
    assert db.session.get(Journey, led_journey.id).distance_m == Decimal("1250.000")
    assert rows_naming(walker_id, email, name) == {}
    assert stored_files(app) == []
    assert db.session.get(Route, unused_route_id) is None
    assert db.session.get(Route, own_route.id).owner_id is None  # still followed by a journey
    captains = db.session.scalars(
        select(Membership.user_id).where(Membership.team_id == led.id, Membership.role == "captain")
    ).all()
    assert captains == [elder.id] and younger.id not in captains
    assert db.session.get(Team, alone.id).is_archived
    assert db.session.get(Team, team.id).member_count == 2
    assert db.session.get(Team, led.id).member_count == 2
    assert accounts.sign_up(email, "Back again", "a new password!") is not None


def test_the_team_log_shows_a_former_walker(app, client):
    from tests.helpers import sign_in_as

    walker = make_user(display_name="Zebulon Quist")
    team = make_team()
    add_member(team, walker)
    _due(walker)
    account_deletion.delete_account(walker.id)
    db.session.flush()
    sign_in_as(client, team.created_by)

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)

    assert "Zebulon" not in page
    assert "A former walker joined" in page and "A former walker left the team" in page
    assert db.session.scalar(select(func.count()).where(TeamEvent.team_id == team.id)) >= 3


def test_a_deletion_cancelled_by_logging_in_deletes_nothing(app):
    walker = make_user()
    log(walker, 2.0)
    account_deletion.request_deletion(walker)
    account_deletion.cancel_deletion(walker)

    assert account_deletion.delete_account(walker.id) is False
    assert db.session.get(User, walker.id) is not None


def test_a_deletion_is_not_done_before_its_grace_period_ends(app):
    walker = make_user()
    account_deletion.request_deletion(walker)

    assert account_deletion.due_account_ids() == []
    assert account_deletion.delete_account(walker.id) is False
    db.session.execute(update(User).values(deletion_due_at=utcnow() - timedelta(seconds=1)))
    assert account_deletion.due_account_ids() == [walker.id]


@pytest.mark.committing
@pytest.mark.parametrize("first", ["deletion", "teammate"])
def test_a_teammate_logging_during_the_deletion_keeps_counters_exact(app, first):
    team = make_team()
    journey = make_journey(team)
    walker, teammate = add_member(team).user, add_member(team).user
    log(walker, 2.0)
    log(walker, 1.5)
    log(teammate, 1.0)
    _due(walker)
    db.session.commit()
    walker_id, teammate_id = walker.id, teammate.id

    def delete():
        account_deletion.delete_account(walker_id)

    def teammate_logs():
        mate = db.session.get(User, teammate_id)
        today = activities.today_for(mate)
        activities.log_activity(
            mate, uuid.uuid4(), activities.ActivityInput(Decimal(700), today, "walk"), today
        )

    holding = threading.Event()

    def first_then_hold(job):
        def run():
            job()
            holding.set()
            hold_until_another_session_waits()  # the other has begun and waits on our locks

        return run

    def second(job):
        def run():
            assert holding.wait(30)
            job()

        return run

    jobs = (delete, teammate_logs) if first == "deletion" else (teammate_logs, delete)
    assert run_together(app, [first_then_hold(jobs[0]), second(jobs[1])]) == []

    db.session.expire_all()
    assert db.session.get(User, walker_id) is None
    assert db.session.get(Journey, journey.id).distance_m == Decimal("1700.000")
    assert no_drift()
