"""Work scheduled with after_commit runs once the outermost transaction commits, and only then."""

import logging

import pytest

from milequest.extensions import db
from milequest.services.core.commit_hooks import after_commit, after_rollback
from tests.factories import make_team


@pytest.fixture
def ran() -> list[str]:
    return []


def test_work_runs_once_at_the_commit_in_the_order_it_was_scheduled(app, ran):
    make_team()
    after_commit(ran.append, "first")
    after_commit(ran.append, "second")
    after_rollback(ran.append, "undone")
    assert ran == []

    db.session.commit()
    db.session.commit()

    assert ran == ["first", "second"]


@pytest.mark.parametrize("end", ["rollback", "close"])  # closing without a commit rolls back
def test_a_rollback_drops_the_work_and_runs_its_undo(app, ran, end):
    make_team()
    after_commit(ran.append, "done")
    after_rollback(ran.append, "undone")

    getattr(db.session, end)()
    db.session.commit()

    assert ran == ["undone"]


def test_a_released_savepoint_waits_for_the_outermost_commit(app, ran):
    with db.session.begin_nested():
        after_commit(ran.append, "inside")
    assert ran == []  # the savepoint's rows are not visible to anyone else yet

    db.session.commit()

    assert ran == ["inside"]


def test_a_released_savepoint_rolled_back_with_the_transaction_runs_nothing(app, ran):
    with db.session.begin_nested():
        after_commit(ran.append, "inside")
        after_rollback(ran.append, "undone")

    db.session.rollback()
    db.session.commit()

    assert ran == ["undone"]


def test_a_savepoint_rolled_back_drops_its_own_work_and_keeps_what_came_before(app, ran):
    after_commit(ran.append, "before")
    after_rollback(ran.append, "undo before")
    savepoint = db.session.begin_nested()
    after_commit(ran.append, "inside")
    after_rollback(ran.append, "undo inside")

    savepoint.rollback()
    assert ran == ["undo inside"]  # at once: what it guarded is gone
    after_commit(ran.append, "after")
    db.session.commit()

    assert ran == ["undo inside", "before", "after"]


def test_a_savepoint_ended_by_an_exception_drops_its_work(app, ran):
    after_commit(ran.append, "before")
    with pytest.raises(LookupError), db.session.begin_nested():
        after_commit(ran.append, "inside")
        raise LookupError("a rule refused the change")

    db.session.commit()

    assert ran == ["before"]


def test_nested_savepoints_hand_their_work_outwards_one_level_at_a_time(app, ran):
    outer = db.session.begin_nested()
    with db.session.begin_nested():
        after_commit(ran.append, "inner, released")
    inner = db.session.begin_nested()
    after_commit(ran.append, "inner, rolled back")
    inner.rollback()
    after_commit(ran.append, "outer")
    outer.commit()
    assert ran == []

    rolled_back = db.session.begin_nested()
    with db.session.begin_nested():
        after_commit(ran.append, "inside a savepoint rolled back")
    rolled_back.rollback()
    db.session.commit()

    assert ran == ["inner, released", "outer"]


def test_work_that_fails_is_logged_and_the_rest_still_runs(app, ran, caplog):
    def fail(what: str) -> None:
        raise RuntimeError(what)

    after_commit(ran.append, "first")
    after_commit(fail, "broker down")
    after_commit(ran.append, "last")

    with caplog.at_level(logging.ERROR, logger="milequest.services.core.commit_hooks"):
        db.session.commit()

    assert ran == ["first", "last"]
    assert "broker down" in caplog.text
