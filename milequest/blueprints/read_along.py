"""What a request reads in the query that loads its walker (Flask-Login's user loader): one
round trip instead of three.

A URL with a `team_id` reads the team's access row too (team, membership, version:
`team_access.with_access`), which `team_view` decides on; a GET reads the header's unread
count, which the page's context then shows (a GET changes no notification). Either is read for
this request only and used by nothing else.
"""

from collections.abc import Callable

from flask import g, request
from sqlalchemy import Select, bindparam

from milequest.models import User
from milequest.services.core import team_access
from milequest.services.notifications import inbox

_TEAM, _UNREAD = "team", "unread"


def _with_team(query: Select) -> Select:
    return team_access.with_access(query, bindparam("team_id"), User.id)


def _with_unread(query: Select) -> Select:
    return query.add_columns(inbox.unread_count_of(User.id))


def _with_both(query: Select) -> Select:
    return _with_unread(_with_team(query))


_WIDEN = {(True, False): _with_team, (False, True): _with_unread, (True, True): _with_both}


def plan() -> tuple[Callable[[Select], Select] | None, dict]:
    """How to widen the query loading the walker for this request, and its parameters."""
    reads: list[tuple[str, int | None, int]] = []
    params = {}
    team_id = (request.view_args or {}).get("team_id")
    if type(team_id) is int:
        reads.append((_TEAM, team_id, 4))
        params["team_id"] = team_id
    if request.method in ("GET", "HEAD"):
        reads.append((_UNREAD, None, 1))
    g.read_along_asked = reads
    return _WIDEN.get((bool(params), len(reads) > len(params))), params


def keep(user: User) -> None:
    """Sort what `plan` asked for out of the loaded row (`user.loaded_with`), for this request."""
    columns, found = list(user.loaded_with), {}
    for name, key, width in g.pop("read_along_asked", ()):
        found[name] = (key, tuple(columns[:width]))
        del columns[:width]
    g.read_along = found


def team_row(team_id: int) -> tuple | None:
    """The access row of `team_id` read with the walker, once (None: read it yourself)."""
    key, row = g.get("read_along", {}).pop(_TEAM, (None, None))
    return row if key == team_id else None


def unread_count() -> int | None:
    found = g.get("read_along", {}).get(_UNREAD)
    return None if found is None else found[1][0] or 0
