"""The builder asks before adding a leg far longer than the others (a place in the wrong land)."""

import pytest
from sqlalchemy import select

from milequest.extensions import db
from milequest.models import Place
from milequest.services.atlas import places as gazetteer
from milequest.services.atlas import route_legs, routes
from tests.factories import make_draft


@pytest.fixture
def coast():
    names = {"Edinburgh", "North Berwick", "Dunbar", "Berwick", "Portobello", "Musselburgh"}
    gazetteer.load_places(c for c in gazetteer.geonames_cities(500) if c["name"] in names)


def place(name: str, country: str) -> int:
    return db.session.scalar(
        select(Place.id).where(Place.name == name, Place.country_code == country)
    )


def test_a_first_leg_to_australia_is_refused_until_confirmed(coast):
    draft = make_draft()
    routes.add_place(draft, place("Edinburgh", "GB"))

    with pytest.raises(routes.LongLegError) as refused:
        routes.add_place(draft, place("Berwick", "AU"))

    leg = refused.value.leg
    assert (leg.start, leg.end, leg.typical_m) == ("Edinburgh", "Berwick, Australia", None)
    assert 16_000_000 < leg.length_m < 18_000_000
    assert [w.name for w in draft.waypoints] == ["Edinburgh"]
    routes.add_place(draft, place("Berwick", "AU"), long_ok=True)
    assert [w.name for w in draft.waypoints] == ["Edinburgh", "Berwick"]


def test_a_leg_to_new_zealand_after_a_coastal_leg_is_refused(coast):
    draft = make_draft()
    for name in ("Edinburgh", "Musselburgh", "North Berwick"):
        routes.add_place(draft, place(name, "GB"))

    with pytest.raises(routes.LongLegError) as refused:
        routes.add_place(draft, place("Portobello", "NZ"))

    assert refused.value.leg.start == "North Berwick"
    assert 10_000 < refused.value.leg.typical_m < 30_000
    routes.add_place(draft, place("Dunbar", "GB"))  # 11 km: a leg like the others
    assert draft.waypoints[-1].name == "Dunbar"


@pytest.mark.parametrize(
    ("length_km", "others_km", "far"),
    [
        (1_001, [], True),
        (999, [], False),
        (51, [10, 10], True),
        (49, [1, 1], False),  # a town walk: under the 50 km floor
        (400, [100, 90, 300], False),
        (600, [100, 110, 120], True),
    ],
)
def test_the_long_leg_rule(length_km, others_km, far):
    others = [k * 1000 for k in others_km]
    assert route_legs.is_far_longer(length_km * 1000, others) is far
