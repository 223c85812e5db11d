"""Place search ranks from the previous waypoint: the nearby town before the famous namesake."""

import pytest

from milequest.services.atlas import places as gazetteer

EDINBURGH = (-3.1883, 55.9533)
NAMES = ("berwick", "portobello", "porto belo", "perth", "paris", "edinburgh", "musselburgh")


@pytest.fixture
def namesakes():
    """Every place of the 500+ data set with these names: all the Berwicks of the world."""
    cities = [
        c for c in gazetteer.geonames_cities(500) if any(n in c["name"].lower() for n in NAMES)
    ]
    gazetteer.load_places(cities)
    return cities


def labels(matches) -> list[str]:
    return [gazetteer.place_label(m.place) for m in matches]


def test_berwick_after_edinburgh_finds_the_scottish_and_english_towns_first(namesakes):
    found = labels(gazetteer.search_places("Berwick", EDINBURGH))
    assert set(found[:2]) == {"North Berwick, United Kingdom", "Berwick-Upon-Tweed, United Kingdom"}
    assert "Berwick, Australia" in found


def test_without_a_previous_waypoint_the_biggest_namesake_comes_first(namesakes):
    assert labels(gazetteer.search_places("Berwick"))[0] == "Berwick, Australia"


def test_nearby_perth_beats_the_city_of_two_million(namesakes):
    found = labels(gazetteer.search_places("perth", EDINBURGH))
    assert found[0] == "Perth, United Kingdom"
    assert found.index("Perth, Australia") > 0


def test_an_exact_name_far_away_beats_a_loose_match_nearby(namesakes):
    assert labels(gazetteer.search_places("paris", EDINBURGH))[0] == "Paris, France"


def test_each_match_says_how_far_it_is_from_the_previous_waypoint(namesakes):
    north_berwick = gazetteer.search_places("North Berwick", EDINBURGH)[0]
    assert gazetteer.place_label(north_berwick.place) == "North Berwick, United Kingdom"
    assert 30_000 < north_berwick.distance_m < 40_000
    portobello = gazetteer.search_places("Portobello", EDINBURGH)[0]
    assert gazetteer.place_label(portobello.place) == "Portobello, New Zealand"
    assert portobello.distance_m > 18_000_000


def test_the_default_data_set_has_north_berwick():
    cities = gazetteer.geonames_cities(gazetteer.DEFAULT_MIN_POPULATION)
    assert any(c["name"] == "North Berwick" and c["countrycode"] == "GB" for c in cities)
