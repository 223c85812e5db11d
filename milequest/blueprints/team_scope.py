"""The decorator every team-scoped view goes through: one membership and role check.

`TEAM_SCOPED` records each decorated endpoint's need, so a test can prove no team URL skips it.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from milequest.blueprints import read_along
from milequest.extensions import sock
from milequest.services.core import team_access
from milequest.services.core.team_access import Need

TEAM_SCOPED: dict[str, str] = {}


def team_view(bp, need: Need = Need.MEMBER):
    """Call the view with a TeamAccess instead of `team_id`; 404 to outsiders, 403 for roles."""

    def decorator(view):
        TEAM_SCOPED[f"{bp.name}.{view.__name__}"] = need

        @wraps(view)
        @login_required
        def wrapper(team_id: int, **kwargs):
            try:
                found = read_along.team_row(team_id) if current_user.is_authenticated else None
                if found is None:
                    access = team_access.check(team_id, current_user, need)
                else:
                    access = team_access.decide(found, need)
            except team_access.NotFound:
                abort(404)
            except team_access.Forbidden:
                abort(403)
            return view(access, **kwargs)

        return wrapper

    return decorator


def team_socket(bp, rule: str, need: Need = Need.MEMBER):
    """Register a flask-sock handler `view(ws, access)` at `rule`, behind `team_view`.

    The check runs before the WebSocket handshake, so a refused client gets a plain HTTP
    answer (login redirect, 404, 403) and never a socket.
    """

    class _CheckedRoutes:
        # flask-sock registers its handshake wrapper through `bp.route`: put the check first.
        @staticmethod
        def route(path: str, **options):
            return lambda handshake: bp.route(path, **options)(team_view(bp, need)(handshake))

    def decorator(view):
        sock.route(rule, bp=_CheckedRoutes)(view)
        return view

    return decorator
