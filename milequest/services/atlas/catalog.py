"""The built-in catalog of famous walking routes (milequest/data/catalog.json).

Loading is idempotent: a route whose waypoints match the file is left alone; a changed one
gets the file's waypoints and is built again by the configured router.
"""

import json
from pathlib import Path

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Route, Waypoint
from milequest.models.route import RouteStatus
from milequest.services.atlas import routes

CATALOG_FILE = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def catalog_entries(path: Path = CATALOG_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["routes"]


def _fingerprint(pairs) -> list:
    return [(name, round(lon, 6), round(lat, 6)) for name, lon, lat in pairs]


def _unchanged(route: Route, entry: dict) -> bool:
    if route.status != RouteStatus.READY:
        return False
    names = [w.name for w in route.waypoints]
    points = routes.waypoint_points(route)
    stored = ((name, lon, lat) for name, (lon, lat) in zip(names, points, strict=True))
    wanted = ((w["name"], w["lon"], w["lat"]) for w in entry["waypoints"])
    return _fingerprint(stored) == _fingerprint(wanted)


def load_entry(entry: dict) -> tuple[Route, bool]:
    """Create or update one catalog route and build it now. Returns (route, changed)."""
    route = db.session.scalar(select(Route).where(Route.slug == entry["slug"]))
    if route is None:
        route = Route(slug=entry["slug"], name=entry["name"])
        db.session.add(route)
    elif _unchanged(route, entry):
        return route, False
    route.name = entry["name"]
    route.description = entry.get("description", "")
    routes.set_waypoints(
        route,
        [
            Waypoint(
                name=w["name"],
                note=w.get("note", ""),
                location=f"SRID=4326;POINT({w['lon']} {w['lat']})",
            )
            for w in entry["waypoints"]
        ],
    )
    route.status = RouteStatus.BUILDING
    db.session.flush()
    routes.build_route(route.id)
    return route, True


def load_catalog(path: Path = CATALOG_FILE) -> list[tuple[Route, bool]]:
    return [load_entry(entry) for entry in catalog_entries(path)]
