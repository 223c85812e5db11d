from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Place
from milequest.services.atlas import places as gazetteer


def count_places() -> int:
    return db.session.scalar(select(func.count()).select_from(Place))


def test_loading_the_same_places_twice_keeps_one_row_each(places):
    before = count_places()
    gazetteer.load_places(places)
    assert count_places() == before == len(places)


def test_search_ranks_prefixes_by_population_then_by_similarity(places):
    labels = [gazetteer.place_label(m.place) for m in gazetteer.search_places("paris")]
    assert labels[0] == "Paris, France"
    assert "Paris, TX, United States" in labels


def test_search_ignores_accents_and_finds_prefixes(places):
    assert (
        gazetteer.place_label(gazetteer.search_places("sao paulo")[0].place) == "São Paulo, Brazil"
    )
    assert [m.place.name for m in gazetteer.search_places("Edinb")][:2] == ["Edinburgh", "Edinburg"]


def test_search_needs_two_letters(places):
    assert gazetteer.search_places(" p ") == []


def test_nearest_place_to_a_click_in_paris(places):
    place = gazetteer.nearest_place(2.35, 48.85)
    assert place.name.startswith("Paris") and place.country_code == "FR"


def test_no_nearest_place_in_the_middle_of_the_ocean(places):
    assert gazetteer.nearest_place(-30.0, 40.0) is None
