"""Work that waits for the commit: the one after-commit (and after-rollback) mechanism.

A side effect others can see (a queued job, an email, a Redis announcement, a deleted file)
must wait until the outermost transaction commits: what a released savepoint wrote is not
visible to anyone else yet and may still roll back. Each callback belongs to the transaction or
savepoint (`begin_nested()`) it was scheduled in:
- a savepoint released hands its callbacks to the transaction around it;
- a savepoint rolled back takes its own callbacks with it (their rows are gone) and keeps those
  scheduled before it; its `after_rollback` callbacks run then;
- the outermost commit runs the `after_commit` callbacks in the order they were scheduled; the
  outermost rollback (or closing the session without a commit) runs the `after_rollback` ones.
Callbacks run once the transaction has ended, so they cannot use the session (nor schedule
more work: it would be dropped). One that raises is logged and the others still run.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from milequest.extensions import db

log = logging.getLogger(__name__)
_SCHEDULED = "milequest.commit_hooks"


@dataclass(eq=False)
class _Callback:
    owner: SessionTransaction  # the outermost transaction or a savepoint
    on_commit: bool  # False: runs on rollback instead
    call: Callable[..., Any]
    args: tuple


def after_commit(call: Callable[..., Any], *args) -> None:
    """Run `call(*args)` once the outermost transaction commits; never if its work rolls back."""
    _schedule(db.session(), True, call, args)


def after_rollback(call: Callable[..., Any], *args) -> None:
    """Run `call(*args)` if the work scheduled with it rolls back (savepoint or transaction)."""
    _schedule(db.session(), False, call, args)


def _schedule(session: Session, on_commit: bool, call: Callable[..., Any], args: tuple) -> None:
    owner = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_SCHEDULED, []).append(_Callback(owner, on_commit, call, args))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    scheduled = session.info.get(_SCHEDULED)
    if not scheduled:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # released: what it scheduled now waits with the enclosing work
        enclosing = _owner_around(savepoint)
        for callback in scheduled:
            if callback.owner is savepoint:
                callback.owner = enclosing
        return
    del session.info[_SCHEDULED]
    _run([callback for callback in scheduled if callback.on_commit])


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Still scheduled for a transaction that has ended: it did not commit, so it rolled back.
    scheduled = session.info.get(_SCHEDULED)
    if not scheduled or not (transaction.nested or transaction.parent is None):
        return
    outermost = transaction.parent is None
    undone = [c for c in scheduled if outermost or c.owner is transaction]
    session.info[_SCHEDULED] = [c for c in scheduled if c not in undone]
    _run([callback for callback in undone if not callback.on_commit])


def _owner_around(savepoint: SessionTransaction) -> SessionTransaction:
    enclosing = savepoint.parent
    while enclosing is not None and enclosing.parent is not None and not enclosing.nested:
        enclosing = enclosing.parent
    if enclosing is None:
        raise RuntimeError("a savepoint always has an enclosing transaction")
    return enclosing


def _run(callbacks: list[_Callback]) -> None:
    for callback in callbacks:
        try:
            callback.call(*callback.args)
        except Exception:
            name = getattr(callback.call, "__qualname__", callback.call)
            log.exception("%s%r failed after the transaction", name, callback.args)
