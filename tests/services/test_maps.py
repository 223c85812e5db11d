"""Journey maps with context: Natural Earth land and borders under the route, small enough for
a cheap phone, and milestone names where they fit."""

import re

from flask import render_template_string

from milequest.lib.topojson import Topology
from milequest.services.atlas import route_maps, svg_maps
from milequest.services.live.live_fragments import Viewer
from tests.factories import make_route

# Milngavie to Fort William (the West Highland Way's ends and a few places between), and Land's
# End to John o' Groats (the most coast a British map draws).
HIGHLANDS = [(-4.3170, 55.9419), (-4.6384, 56.3311), (-4.7153, 56.4302), (-5.1052, 56.8198)]
END_TO_END = [(-5.7132, 50.0657), (-2.5879, 51.4545), (-3.1883, 55.9533), (-3.0690, 58.6440)]
_MAP = '{% from "routes/_map.html" import route_map with context %}{{ route_map(route, d) }}'


def drawn(route, distance_m):
    return render_template_string(_MAP, route=route, d=distance_m, current_user=Viewer("km"))


def test_a_journey_map_shows_land_sea_the_walked_stretch_and_names(app, world_map):
    route = make_route(points=HIGHLANDS, name="Highland Way")
    with app.test_request_context():
        svg = drawn(route, route.length_m / 2)

    land = re.search(r'class="route-svg__land" d="([^"]+)"', svg)
    assert land and land.group(1).count("M") > 3  # the mainland, lochs' shores, islands
    assert 'class="route-svg__sea"' in svg
    assert re.search(r'class="route-svg__walked" points="[^"]+"', svg)
    assert 'class="route-svg__marker"' in svg
    assert ">Point 1</text>" in svg and ">Point 4</text>" in svg  # the ends are always named


def test_maps_stay_under_20_kb_and_show_borders_where_countries_meet(app, world_map):
    britain = make_route(points=END_TO_END, name="End to End")
    pyrenees = make_route(points=[(-1.2357, 43.1634), (-1.6432, 42.8125)], name="Over the Top")
    with app.test_request_context():
        maps = {route.name: drawn(route, route.length_m / 3) for route in (britain, pyrenees)}

    for svg in maps.values():
        assert len(svg.encode()) < 20_000
    assert 'class="route-svg__border"' in maps["Over the Top"]  # France | Spain


def test_a_route_across_the_antimeridian_draws_the_land_on_both_sides(app, world_map):
    fiji = make_route(points=[(178.0, -17.5), (179.6, -16.6), (-179.9, -16.2)], name="Date Line")
    with app.test_request_context():
        shown = route_maps.svg_map(fiji, 1000.0)

    west_edge, east_edge = _land_x_range(shown.world.land)
    assert west_edge < 60 and east_edge > 200  # Viti Levu on the left, Taveuni to the right


def _land_x_range(path: str) -> tuple[float, float]:
    xs = [float(x) for x in re.findall(r"M\s*(-?[\d.]+)", path)]
    return min(xs), max(xs)


def test_names_go_where_they_fit_and_never_overlap():
    crowded = [(100.0, 100.0, "Somewhere"), *[(102.0, 100.0 + i, f"Place {i}") for i in range(5)]]
    crowded.append((300.0, 20.0, "The very far end of the world"))

    labels = svg_maps.fit_labels(crowded, 320, 200)

    named = {label.text for label in labels}
    assert "Somewhere" in named and "The very far end of the world" in named
    assert len(labels) < len(crowded)  # the crowded ones are left out
    far = next(label for label in labels if label.text.startswith("The very"))
    assert far.anchor == "end"  # no room on the right: written to the left of its dot


def test_topology_gives_land_rings_and_the_borders_two_countries_share():
    # Two unit squares side by side: arc 0 is the shared edge.
    topology = Topology(
        {
            "arcs": [
                [[1, 0], [1, 1]],
                [[1, 1], [0, 1], [0, 0], [1, 0]],
                [[1, 0], [2, 0], [2, 1], [1, 1]],
            ],
            "objects": {
                "countries": {
                    "type": "GeometryCollection",
                    "geometries": [
                        {"type": "Polygon", "arcs": [[0, 1]]},
                        {"type": "Polygon", "arcs": [[2, -1]]},
                    ],
                },
                "land": {"type": "MultiPolygon", "arcs": [[[1, 2]]]},
            },
        }
    )

    assert topology.borders() == [[(1.0, 0.0), (1.0, 1.0)]]
    (outline,) = topology.land_polygons()[0]
    assert outline[0] == outline[-1] and len(outline) == 7
