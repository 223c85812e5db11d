"""Commit what a service changed, unless a domain rule refused it."""

from collections.abc import Callable

from milequest.extensions import db
from milequest.refusals import Refused


def commit_unless_refused(change: Callable[[], object]) -> Refused | None:
    """Run `change` and commit it; a refusal rolls it back and is returned for the page to show."""
    try:
        change()
    except Refused as refused:
        db.session.rollback()
        return refused
    db.session.commit()
    return None
