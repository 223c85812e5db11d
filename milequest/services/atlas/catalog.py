"""The built-in catalog of famous walking routes (milequest/data/catalog.json; its README says
what each field means and where the figures come from).

A catalog route is as long as the real route: its line is drawn through the milestones and the
shape points between them (`via`), and each milestone with a published distance (`km`) anchors
the line's real distances (route_lengths). Loading is idempotent: a route built from the same
entry is left alone; a changed entry is built again.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Route, Waypoint
from milequest.models.route import RouteStatus
from milequest.services.atlas import routes
from milequest.services.atlas.routers import configured_router

CATALOG_FILE = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
REGIONS = {
    "europe": "Europe",
    "africa": "Africa",
    "asia": "Asia",
    "north-america": "North America",
    "south-america": "South America",
    "oceania": "Oceania",
}


def catalog_entries(path: Path = CATALOG_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["routes"]


@cache
def _entries_by_slug() -> dict[str, dict]:
    return {entry["slug"]: entry for entry in catalog_entries()}


def entry_for(route: Route) -> dict | None:
    """The catalog entry a catalog route comes from (its sources and figures), if any."""
    return _entries_by_slug().get(route.slug) if route.slug else None


def entry_digest(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()


def line_points(entry: dict) -> tuple[list[tuple[float, float]], list[int]]:
    """Every (lon, lat) the line is drawn through, and the index of each milestone among them."""
    points, milestones = [], []
    for waypoint in entry["waypoints"]:
        points += [(lon, lat) for lat, lon in waypoint.get("via", [])]
        milestones.append(len(points))
        points.append((waypoint["lon"], waypoint["lat"]))
    return points, milestones


def real_distances_m(entry: dict) -> dict[int, float]:
    """The published distance of each milestone that has one, by position, in metres."""
    return {n: w["km"] * 1000.0 for n, w in enumerate(entry["waypoints"]) if "km" in w}


def load_entry(entry: dict) -> tuple[Route, bool]:
    """Create or update one catalog route and build it now. Returns (route, changed)."""
    route = db.session.scalar(select(Route).where(Route.slug == entry["slug"]))
    digest = entry_digest(entry)
    if route is None:
        route = Route(slug=entry["slug"], name=entry["name"])
        db.session.add(route)
    elif route.status == RouteStatus.READY and route.catalog_digest == digest:
        return route, False
    route.name = entry["name"]
    route.description = entry.get("description", "")
    route.region = entry["region"]
    route.catalog_digest = digest
    routes.set_waypoints(route, [_waypoint(w) for w in entry["waypoints"]])
    line = configured_router().build(line_points(entry)[0])
    routes.store_line(route, line, real_distances_m(entry))
    return route, True


def _waypoint(w: dict) -> Waypoint:
    return Waypoint(
        name=w["name"], note=w.get("note", ""), location=f"SRID=4326;POINT({w['lon']} {w['lat']})"
    )


def load_catalog(path: Path = CATALOG_FILE) -> list[tuple[Route, bool]]:
    return [load_entry(entry) for entry in catalog_entries(path)]
