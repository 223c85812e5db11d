"""Each migration is safe for the release before it, which still runs while `release` migrates.

`release` runs `flask db upgrade` before new web and worker processes start, so for a while the
previous release's code meets the new schema. That code breaks on a column or table dropped or
renamed under it, a type changed, or a NOT NULL it does not fill. This runs every migration for
real, one step at a time, catches the SQL each step sends, and refuses those statements on a
table the step did not itself create. A step that needs one is split (expand, then contract a
release later) or listed below with the reason it is safe.
"""

import re

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event

from tests import databases
from tests.test_migrations import scratch_database

UNSAFE = {
    "drops a column": re.compile(r"^ALTER TABLE (\S+) DROP COLUMN", re.I),
    "drops a table": re.compile(r"^DROP TABLE (?:IF EXISTS )?(\S+)", re.I),
    "renames": re.compile(r"^ALTER TABLE (\S+) RENAME", re.I),
    "changes a column's type": re.compile(r"^ALTER TABLE (\S+) ALTER COLUMN \S+ TYPE", re.I),
    "makes a column NOT NULL": re.compile(
        r"^ALTER TABLE (\S+) ALTER COLUMN \S+ SET NOT NULL", re.I
    ),
    "adds a NOT NULL column without a default": re.compile(
        r"^ALTER TABLE (\S+) ADD (?:COLUMN )?(?!.*\bDEFAULT\b).*\bNOT NULL\b", re.I | re.S
    ),
}
CREATES = re.compile(r"^CREATE TABLE (\S+)", re.I)

# Reviewed, each with why the release before could live with it, or when it could not.
REVIEWED = {
    ("0008_membership_dates", "memberships", "makes a column NOT NULL"): (
        "Not safe, released before this check: until its processes restarted, the release "
        "before failed to add members (it did not fill joined_on). Today: a server default."
    ),
    ("0011_recorded_spans", "activities", "changes a column's type"): (
        "Not safe, released before this check: the release before could not store a GPS "
        "import's track (LINESTRING into MULTILINESTRING) until its workers restarted."
    ),
}


def unsafe_statements(statements: list[str]) -> list[tuple[str, str]]:
    created = {m.group(1).strip('"') for s in statements if (m := CREATES.match(s.strip()))}
    found = []
    for statement in statements:
        for what, pattern in UNSAFE.items():
            match = pattern.match(statement.strip())
            if match and match.group(1).strip('"') not in created:
                found.append((match.group(1).strip('"'), what))
    return found


def test_no_migration_breaks_the_release_before_it(app):
    revisions = [
        s.revision
        for s in ScriptDirectory.from_config(databases.alembic_config()).walk_revisions(
            "base", "heads"
        )
    ][::-1]
    found = {}
    with scratch_database("expand_only") as (config, connection):
        for revision in revisions:
            statements: list[str] = []

            def catch(conn, cursor, statement, *args, sink=statements):
                sink.append(statement)

            event.listen(connection, "before_cursor_execute", catch)
            command.upgrade(config, revision)
            event.remove(connection, "before_cursor_execute", catch)
            for table, what in unsafe_statements(statements):
                found[(revision, table, what)] = REVIEWED.get((revision, table, what), "")
    assert revisions[0] == "0001_accounts" and len(revisions) > 10
    assert {step: why for step, why in found.items() if not why} == {}


def test_the_check_sees_what_it_refuses():
    statements = [
        "CREATE TABLE fresh (id INTEGER NOT NULL)",
        "ALTER TABLE fresh ADD COLUMN x INTEGER NOT NULL",
        "ALTER TABLE users DROP COLUMN units",
        "ALTER TABLE users ADD COLUMN y INTEGER NOT NULL",
        "ALTER TABLE users ADD COLUMN z INTEGER DEFAULT '0' NOT NULL",
        "ALTER TABLE teams RENAME COLUMN name TO title",
        "ALTER TABLE teams ALTER COLUMN name TYPE TEXT",
        "ALTER TABLE teams ALTER COLUMN description SET NOT NULL",
        "DROP TABLE places",
        "ALTER TABLE teams ADD COLUMN note TEXT",
    ]
    assert unsafe_statements(statements) == [
        ("users", "drops a column"),
        ("users", "adds a NOT NULL column without a default"),
        ("teams", "renames"),
        ("teams", "changes a column's type"),
        ("teams", "makes a column NOT NULL"),
        ("places", "drops a table"),
    ]
