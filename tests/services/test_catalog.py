from pyproj import Geod

from milequest.services.atlas import catalog

GEOD = Geod(ellps="WGS84")


def test_catalog_has_famous_routes_with_notes_for_every_milestone():
    entries = catalog.catalog_entries()
    names = " ".join(e["name"] for e in entries)
    for famous in ("John o' Groats", "Camino", "Hadrian", "West Highland", "Appalachian", "66"):
        assert famous in names
    assert len(entries) >= 8
    for entry in entries:
        assert 2 <= len(entry["waypoints"]) <= 20
        assert all(w["note"] for w in entry["waypoints"])


def test_loading_the_catalog_builds_it_and_a_second_load_changes_nothing():
    entry = next(e for e in catalog.catalog_entries() if e["slug"] == "west-highland-way")
    route, changed = catalog.load_entry(entry)
    first, last = entry["waypoints"][0], entry["waypoints"][-1]
    assert changed and route.status == "ready"
    assert route.waypoints[-1].note == last["note"]
    straight = GEOD.line_length(
        [w["lon"] for w in entry["waypoints"]], [w["lat"] for w in entry["waypoints"]]
    )
    assert abs(route.length_m - straight) < 1
    assert GEOD.inv(first["lon"], first["lat"], last["lon"], last["lat"])[2] < route.length_m

    again, changed_again = catalog.load_entry(entry)
    assert again.id == route.id and not changed_again
