"""What session hooks need to know about savepoints.

SQLAlchemy fires `after_commit` and `after_rollback` for a SAVEPOINT as well (joining a team uses
one). Work waiting for the commit (announcing events, sending email, deleting files) must wait
for the outermost transaction: what a released savepoint wrote is not visible to others yet and
may still roll back, and a savepoint rolled back leaves what came before it in place.
"""

from sqlalchemy.orm import Session


def ending_a_savepoint(session: Session) -> bool:
    return session.get_nested_transaction() is not None
