"""Routes are measured geodesically: every number is checked against pyproj's Geod."""

from itertools import pairwise

import pytest
from pyproj import Geod

from milequest.services.atlas import route_positions, routes
from tests.factories import make_draft, make_route, make_user

GEOD = Geod(ellps="WGS84")
# Edinburgh -> Perth -> Pitlochry -> Inverness
SCOTLAND = [(-3.1883, 55.9533), (-3.4370, 56.3950), (-3.7300, 56.7040), (-4.2247, 57.4778)]
# Across the antimeridian in Fiji: Suva -> Lakeba -> Ono-i-Lau
FIJI = [(178.4419, -18.1416), (-178.8000, -18.2000), (-178.7300, -20.6500)]


def legs_m(points) -> list[float]:
    """Distance of each point from the first along the geodesic legs."""
    total, out = 0.0, [0.0]
    for (lon1, lat1), (lon2, lat2) in pairwise(points):
        total += GEOD.inv(lon1, lat1, lon2, lat2)[2]
        out.append(total)
    return out


def gap_m(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_route_length_and_waypoint_distances_match_pyproj():
    route = make_route(points=SCOTLAND)
    expected = legs_m(SCOTLAND)
    assert route.status == "ready"
    assert route.length_m == pytest.approx(expected[-1], abs=1)
    assert [w.distance_m for w in route.waypoints] == pytest.approx(expected, abs=1)


def test_draft_shows_the_straight_geodesic_sum():
    draft = make_draft(points=SCOTLAND)
    assert routes.straight_distance_m(draft) == pytest.approx(legs_m(SCOTLAND)[-1], abs=1)


@pytest.mark.parametrize("fraction", [0.0, 0.37, 0.5, 0.93])
def test_position_mid_route_matches_pyproj(fraction):
    route = make_route(points=SCOTLAND)
    distance = legs_m(SCOTLAND)[-1] * fraction
    expected = _point_along(SCOTLAND, distance)
    position = route_positions.position_at(route.id, distance)
    assert gap_m((position.lon, position.lat), expected) < 1
    assert not position.at_end


def test_position_at_a_waypoint_is_the_waypoint():
    route = make_route(points=SCOTLAND)
    position = route_positions.position_at(route.id, legs_m(SCOTLAND)[2])
    assert gap_m((position.lon, position.lat), SCOTLAND[2]) < 1


@pytest.mark.parametrize("extra_m", [0, 1, 10_000_000])
def test_position_at_and_past_the_end_is_the_end(extra_m):
    route = make_route(points=SCOTLAND)
    position = route_positions.position_at(route.id, route.length_m + extra_m)
    assert gap_m((position.lon, position.lat), SCOTLAND[-1]) < 1
    assert position.at_end and position.distance_m == route.length_m


def test_route_across_the_antimeridian_is_short_not_around_the_world():
    route = make_route(points=FIJI)
    expected = legs_m(FIJI)
    assert route.length_m == pytest.approx(expected[-1], abs=1)
    assert route.length_m < 700_000
    middle = route_positions.position_at(route.id, expected[1] / 2)
    assert gap_m((middle.lon, middle.lat), _point_along(FIJI, expected[1] / 2)) < 1
    assert abs(middle.lon) > 170


def test_next_milestone_and_distance_to_it():
    route = make_route(points=SCOTLAND)
    expected = legs_m(SCOTLAND)
    upcoming = route_positions.next_milestone(route.id, expected[1] + 5)
    assert upcoming.waypoint.position == 2
    assert upcoming.distance_to_m == pytest.approx(expected[2] - expected[1] - 5, abs=1)
    assert route_positions.next_milestone(route.id, route.length_m) is None


def test_one_waypoint_cannot_be_saved():
    draft = make_draft(points=SCOTLAND[:1])
    with pytest.raises(routes.RouteError, match="2 to 20 waypoints"):
        routes.submit_route(draft)
    assert draft.status == "draft"


def test_a_21st_waypoint_is_refused():
    draft = make_draft(points=[(float(n), 10.0) for n in range(20)])
    with pytest.raises(routes.RouteError, match="at most 20"):
        routes.add_point(draft, 30.0, 10.0)
    assert len(draft.waypoints) == 20


def test_the_same_point_twice_in_a_row_is_refused():
    draft = make_draft(points=SCOTLAND[:1])
    with pytest.raises(routes.RouteError, match="already the last waypoint"):
        routes.add_point(draft, *SCOTLAND[0])
    assert len(draft.waypoints) == 1


def test_reordering_into_the_same_point_twice_cannot_be_saved():
    draft = make_draft(points=[SCOTLAND[0], SCOTLAND[1], SCOTLAND[0]])
    routes.move_waypoint(draft, draft.waypoints[1].id, +1)
    with pytest.raises(routes.RouteError, match="same point"):
        routes.submit_route(draft)


def test_a_place_that_does_not_exist_is_refused(places):
    draft = make_draft()
    with pytest.raises(routes.RouteError, match="does not exist"):
        routes.add_place(draft, 999_999_999)
    assert draft.waypoints == []


def test_moving_and_removing_waypoints_renumbers_them():
    draft = make_draft(points=SCOTLAND)
    first, second = draft.waypoints[0], draft.waypoints[1]
    routes.move_waypoint(draft, first.id, +1)
    assert [w.id for w in draft.waypoints[:2]] == [second.id, first.id]
    routes.move_waypoint(draft, second.id, -1)  # already first: nothing moves
    routes.remove_waypoint(draft, first.id)
    assert [w.position for w in draft.waypoints] == [0, 1, 2]


def test_building_twice_changes_nothing():
    route = make_route(points=SCOTLAND)
    length = route.length_m
    assert routes.build_route(route.id).length_m == length


def test_a_ready_route_cannot_be_edited():
    route = make_route(make_user(), points=SCOTLAND)
    with pytest.raises(routes.RouteError, match="cannot be changed"):
        routes.add_point(route, 0.0, 0.0)


def _point_along(points, distance_m):
    """pyproj's point `distance_m` along the geodesic legs through `points`."""
    cumulative = legs_m(points)
    for (a, b), start in zip(pairwise(points), cumulative, strict=False):
        leg = gap_m(a, b)
        if distance_m <= start + leg:
            azimuth = GEOD.inv(a[0], a[1], b[0], b[1])[0]
            lon, lat, _ = GEOD.fwd(a[0], a[1], azimuth, distance_m - start)
            return lon, lat
    return points[-1]
