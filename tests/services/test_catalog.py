"""The catalog: every route as long as its published length, every milestone where it was
recorded, and a marker that moves along the drawn line in proportion."""

import re
from itertools import pairwise

import pytest
from pyproj import Geod
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Route
from milequest.services.atlas import catalog, route_positions

GEOD = Geod(ellps="WGS84")
ENTRIES = catalog.catalog_entries()
SCALES = {"weekend": (0, 250), "season": (250, 2_500), "year": (2_500, float("inf"))}


def _drawn_m(route: Route) -> float:
    return db.session.scalar(
        select(func.ST_Length(func.geography(Route.path))).where(Route.id == route.id)
    )


def expected_milestones_m(entry: dict) -> list[float]:
    """Recorded distances as recorded; between two, the real stage shared out in proportion to
    the drawn line (geodesic legs through the entry's points, measured here with pyproj)."""
    points, milestones = catalog.line_points(entry)
    drawn = [0.0]
    for (lon1, lat1), (lon2, lat2) in pairwise(points):
        drawn.append(drawn[-1] + GEOD.inv(lon1, lat1, lon2, lat2)[2])
    at = [drawn[i] for i in milestones]
    anchors = [(n, w["km"] * 1000) for n, w in enumerate(entry["waypoints"]) if "km" in w]
    expected = []
    for n in range(len(milestones)):
        (i, real_i), (j, real_j) = next((a, b) for a, b in pairwise(anchors) if a[0] <= n <= b[0])
        expected.append(real_i + (at[n] - at[i]) / (at[j] - at[i]) * (real_j - real_i))
    return expected


def test_the_catalog_has_routes_of_every_scale_on_every_inhabited_continent():
    assert len(ENTRIES) >= 24
    assert {e["region"] for e in ENTRIES} == set(catalog.REGIONS)
    for low, high in SCALES.values():
        assert any(low <= e["length_km"] < high for e in ENTRIES)
    names = " ".join(e["name"] for e in ENTRIES)
    for famous in ("John o' Groats", "Camino", "Hadrian", "Appalachian", "66", "Great Wall"):
        assert famous in names


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["slug"] for e in ENTRIES])
def test_every_figure_of_a_route_names_its_source(entry):
    sources = entry["sources"]
    assert sources["length"]["url"].startswith("http") and sources["length"]["says"]
    waypoints = entry["waypoints"]
    assert 2 <= len(waypoints) <= 20
    assert waypoints[0]["km"] == 0 and waypoints[-1]["km"] == entry["length_km"]
    recorded = [w["km"] for w in waypoints if "km" in w]
    assert recorded == sorted(set(recorded)), "recorded distances must advance"
    for waypoint in waypoints:
        assert waypoint["note"].strip()
        # Every milestone at its published distance: a place no source puts on the route is a
        # shape point (`via`), never a milestone placed by the drawn line alone.
        assert "km" in waypoint and "source" in waypoint, waypoint["name"]


def _quotes_km(says: str, km: float) -> bool:
    """Whether `says` gives `km` as a distance: 19.6 as "19.6 km", 1397 as "1,397 km" or
    "1397 kilometres", never as part of another number."""
    whole, _, tenths = f"{km:,.1f}".removesuffix(".0").partition(".")
    number = whole.replace(",", ",?") + (rf"\.{tenths}" if tenths else r"(\.0)?")
    return re.search(rf"(?<![\d.,]){number}(?![\d]|[.,]\d)[\s-]*(km|kilomet)", says) is not None


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["slug"] for e in ENTRIES])
def test_every_recorded_distance_is_the_one_its_source_says(entry):
    """A milestone's `km` names a source whose words give that very figure (summed stages are
    written out in `says`), so a figure cannot drift from what was read."""
    for key, source in entry["sources"].items():
        assert source["title"].strip() and source["url"].startswith("http"), key
        assert source["says"].strip(), key
    for waypoint in entry["waypoints"][1:]:
        if "km" in waypoint:
            assert waypoint["source"] in entry["sources"], waypoint["name"]
            says = entry["sources"][waypoint["source"]]["says"]
            assert _quotes_km(says, waypoint["km"]), (waypoint["name"], waypoint["km"], says)


def test_a_distance_is_found_only_where_its_source_gives_it():
    assert _quotes_km("Perm (1397 kilometres), Omsk (after 2,676 km)", 1397)
    assert _quotes_km("Perm (1397 kilometres), Omsk (after 2,676 km)", 2676)
    assert _quotes_km("Drymen 12.2 mi (19.6 km)", 19.6)
    assert _quotes_km("69 miles (111.0 km)", 111)
    assert _quotes_km("an 85-kilometre hike", 85)
    assert not _quotes_km("Drymen 12.2 mi (19.6 km)", 19)
    assert not _quotes_km("Drymen 12.2 mi (19.6 km)", 12.2)
    assert not _quotes_km("after 2,676 km", 676)
    assert not _quotes_km("1,000 km", 1)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["slug"] for e in ENTRIES])
def test_a_catalog_route_is_as_long_as_published_and_its_milestones_where_recorded(entry):
    route, changed = catalog.load_entry(entry)

    assert changed and route.status == "ready" and route.region == entry["region"]
    assert route.length_m == pytest.approx(entry["length_km"] * 1000, rel=0.02)
    distances = [w.distance_m for w in route.waypoints]
    assert distances == pytest.approx(expected_milestones_m(entry), abs=1)
    for waypoint, distance_m in zip(entry["waypoints"], distances, strict=True):
        if "km" in waypoint:
            assert distance_m == pytest.approx(waypoint["km"] * 1000, abs=1)
    assert distances == sorted(distances)
    # The drawn line follows the route: shorter than the trail (which winds), not absurdly so.
    assert 0.45 < _drawn_m(route) / route.length_m < 1.0


# Crossings a walker does not walk: the team's marker crosses them with the next step.
NOT_WALKED = {("te-araroa", "Ship Cove")}  # the ferry over Cook Strait


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["slug"] for e in ENTRIES])
def test_no_stage_is_shorter_than_its_drawn_line(entry):
    """A trail or road is never shorter than a line through the places it passes: a stage that
    is means a wrong figure or a misplaced point (allowing ~1 km for each end's coordinates)."""
    points, milestones = catalog.line_points(entry)
    drawn = [0.0]
    for (lon1, lat1), (lon2, lat2) in pairwise(points):
        drawn.append(drawn[-1] + GEOD.inv(lon1, lat1, lon2, lat2)[2])
    waypoints = entry["waypoints"]
    for k in range(1, len(waypoints)):
        if (entry["slug"], waypoints[k]["name"]) in NOT_WALKED:
            continue
        real_km = waypoints[k]["km"] - waypoints[k - 1]["km"]
        drawn_km = (drawn[milestones[k]] - drawn[milestones[k - 1]]) / 1000
        stage = f"{waypoints[k - 1]['name']} to {waypoints[k]['name']}"
        assert drawn_km <= real_km * 1.1 + 1.0, (stage, real_km, round(drawn_km, 1))


def test_between_recorded_milestones_the_marker_moves_along_the_drawn_line_in_proportion():
    entry = next(e for e in ENTRIES if e["slug"] == "trans-siberian")
    route, _ = catalog.load_entry(entry)
    perm, yekaterinburg = (w for w in route.waypoints if w.name in ("Perm", "Yekaterinburg"))
    assert (perm.distance_m, yekaterinburg.distance_m) == (1_397_000, 1_778_000)

    middle = route_positions.position_at(route.id, (1_397_000 + 1_778_000) / 2)

    (lon_p, lat_p), (lon_y, lat_y) = _lon_lat(perm), _lon_lat(yekaterinburg)
    _, _, to_perm = GEOD.inv(middle.lon, middle.lat, lon_p, lat_p)
    _, _, to_yekaterinburg = GEOD.inv(middle.lon, middle.lat, lon_y, lat_y)
    # Half the real stage is half the drawn stage: equally far along the line from either end.
    assert middle.distance_m == 1_587_500
    assert abs(to_perm - to_yekaterinburg) < 0.15 * (to_perm + to_yekaterinburg)


def _lon_lat(waypoint) -> tuple[float, float]:
    return db.session.execute(
        select(func.ST_X(waypoint.location), func.ST_Y(waypoint.location))
    ).one()


def test_loading_the_catalog_again_changes_nothing_and_a_changed_entry_is_rebuilt():
    entry = next(e for e in ENTRIES if e["slug"] == "west-highland-way")
    route, _ = catalog.load_entry(entry)

    again, changed_again = catalog.load_entry(entry)
    assert again.id == route.id and not changed_again

    edited = {**entry, "length_km": 155}
    edited["waypoints"] = [*entry["waypoints"][:-1], {**entry["waypoints"][-1], "km": 155}]
    rebuilt, changed = catalog.load_entry(edited)
    assert rebuilt.id == route.id and changed and rebuilt.length_m == 155_000
