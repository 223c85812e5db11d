"""Builders that add, flush and return: each test makes what it needs."""

from itertools import count

from milequest.extensions import db
from milequest.lib import passwords
from milequest.models import User
from milequest.models.base import utcnow

PASSWORD = "correct horse battery"
_sequence = count(1)
_password_hash = passwords.hash_password(PASSWORD)  # hashing once keeps the suite fast


def make_user(*, email: str | None = None, verified: bool = True, **fields) -> User:
    n = next(_sequence)
    user = User(
        email=email or f"walker{n}@example.com",
        display_name=fields.pop("display_name", f"Walker {n}"),
        password_hash=fields.pop("password_hash", _password_hash),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_team(captain: User | None = None, *, public: bool = False, limit: int = 50, **fields):
    from milequest.services.teamwork import teams

    return teams.create_team(
        captain or make_user(),
        name=fields.pop("name", f"Team {next(_sequence)}"),
        description=fields.pop("description", ""),
        is_public=public,
        member_limit=limit,
    )


def add_member(team, user: User | None = None, *, role: str = "member"):
    from milequest.services.teamwork import teams

    membership = teams.join_team(team, user or make_user(), via="test")
    membership.role = role
    db.session.flush()
    return membership


def make_draft(owner: User | None = None, points=(), *, name: str = "Test route"):
    """A draft route owned by `owner` (a new user if None) through raw (lon, lat) points."""
    from milequest.services.atlas import routes

    route = routes.create_draft(owner or make_user(), name)
    for n, (lon, lat) in enumerate(points, 1):
        routes._append(route, f"Point {n}", routes._point(lon, lat))
    return route


def make_route(owner: User | None = None, points=(), **fields):
    """A built (ready) route through raw (lon, lat) points."""
    from milequest.services.atlas import routes

    route = make_draft(owner, points, **fields)
    routes.submit_route(route)
    return routes.build_route(route.id)


SHORT_WALK = [(-3.0, 55.0), (-3.0, 55.05), (-3.0, 55.1)]  # about 11 km, due north


def make_journey(team=None, route=None, *, distance_m: float | None = None):
    """An active journey of `team` (a new one if None) on a built route."""
    from datetime import date

    from milequest.services.journeying import journeys

    team = team or make_team()
    route = route or make_route(team.created_by, SHORT_WALK)
    journey = journeys.start_journey(team, route, team.created_by, date.today())
    if distance_m is not None:
        journey.distance_m = distance_m
        db.session.flush()
    return journey


def log(walker: User, km: float, *, day=None, kind: str = "walk", **fields):
    """Log `km` kilometres for `walker` (on their today by default) through the service."""
    import uuid
    from decimal import Decimal

    from milequest.services.walks import activities

    today = activities.today_for(walker)
    data = activities.ActivityInput(
        distance_m=Decimal(str(km)) * 1000,
        activity_date=day or today,
        kind=kind,
        duration_s=fields.get("duration_s"),
        note=fields.get("note", ""),
    )
    activity, _ = activities.log_activity(
        walker, fields.get("client_id") or uuid.uuid4(), data, today
    )
    return activity


def add_photo(activity, data: bytes | None = None, *, status: str | None = None):
    """Attach a photo (a clean landscape by default) through the service, pending.

    With `status`, moderate it for real, then set the outcome (held photos for review tests).
    """
    from milequest.services.gallery import photos
    from tests.photo_samples import phone_photo

    (photo,) = photos.attach_photos(activity, [data or phone_photo(seed=next(_sequence))])
    if status is not None:
        photos.moderate_photo(photo.id)
        if photo.status != status:
            photo.status = status
            db.session.flush()
    return photo


def team_walk(km: float = 3.0):
    """A team on a journey and a member's walk that counts for it: (team, walker, activity)."""
    team = make_team()
    make_journey(team)
    walker = add_member(team).user
    return team, walker, log(walker, km)
