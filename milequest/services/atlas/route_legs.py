"""The legs of a draft route, and the rule that flags a new leg far longer than the others.

A place picked from the wrong country (Berwick, Australia after Edinburgh) makes one leg
thousands of km long while the rest are tens: the builder asks before adding it. The rule: a
leg is suspicious when it is more than LONG_FACTOR times the median of the other legs (and over
LONG_FLOOR_M, so a town walk's 3 km leg after 500 m ones passes), or, as the first leg, when it
is over FIRST_LEG_MAX_M.
"""

from dataclasses import dataclass
from statistics import median

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import func, literal, select, text

from milequest.extensions import db
from milequest.models import Route, Waypoint

LONG_FACTOR = 5
LONG_FLOOR_M = 50_000
FIRST_LEG_MAX_M = 1_000_000


@dataclass(frozen=True)
class LongLeg:
    start: str
    end: str
    length_m: float
    typical_m: float | None  # the median of the other legs; None for the first leg


_LEGS = text("""
SELECT ST_Distance(a.location::geography, b.location::geography)
FROM route_waypoints a JOIN route_waypoints b ON b.route_id = a.route_id
    AND b.position = a.position + 1
WHERE a.route_id = :id ORDER BY a.position
""")


def legs_m(route: Route) -> list[float]:
    """The geodesic length of each leg between consecutive waypoints, in order."""
    return list(db.session.scalars(_LEGS, {"id": route.id}))


def is_far_longer(length_m: float, others_m: list[float]) -> bool:
    if not others_m:
        return length_m > FIRST_LEG_MAX_M
    return length_m > max(LONG_FACTOR * median(others_m), LONG_FLOOR_M)


def long_new_leg(route: Route, name: str, location) -> LongLeg | None:
    """The leg that appending `location` (a point geometry) would add, if it is suspicious."""
    if not route.waypoints:
        return None
    last = route.waypoints[-1]
    if isinstance(location, WKBElement):  # a place's location, as loaded: bind it as geometry
        location = literal(location, Geometry("POINT", srid=4326))
    length_m = db.session.execute(
        select(func.ST_Distance(func.geography(Waypoint.location), func.geography(location))).where(
            Waypoint.id == last.id
        )
    ).scalar_one()
    others = legs_m(route)
    if not is_far_longer(length_m, others):
        return None
    return LongLeg(last.name, name, length_m, median(others) if others else None)
