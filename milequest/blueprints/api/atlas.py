"""The route catalog, a route's line as GeoJSON, and the place search."""

import struct

from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import ID, FieldsQuery, bp, operation, resource
from milequest.blueprints.api.problems import ApiProblem
from milequest.services.atlas import places, route_maps, routes


@bp.get("/routes")
@operation(tags=("routes",), ok={200: schemas.RouteList}, query=FieldsQuery, cached=True)
def route_catalog(query):
    """The famous routes any team may walk."""
    items = [route_json(route) for route in routes.catalog_routes()]
    return resource(schemas.RouteList, {"items": items})


@bp.get(f"/routes/<{ID}:route_id>")
@operation(tags=("routes",), ok={200: schemas.Route}, query=FieldsQuery, cached=True)
def route(route_id: int, query):
    """A route I may see (the catalog, my own, one a team of mine walks)."""
    return resource(schemas.Route, route_json(_visible(route_id)))


@bp.get(f"/routes/<{ID}:route_id>/geometry")
@operation(tags=("routes",), ok={200: schemas.RouteFeature}, cached=True)
def route_geometry(route_id: int):
    """The route's line as a GeoJSON Feature ([lon, lat]; null until the route is built)."""
    found = _visible(route_id)
    lat_lons = route_maps.leaflet_line(found)
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in lat_lons]}
        if lat_lons
        else None,
        "properties": {"id": found.id, "name": found.name, "length_m": found.length_m},
    }
    response = resource(schemas.RouteFeature, feature)
    response.mimetype = "application/geo+json"
    return response


@bp.get("/places")
@operation(tags=("routes",), ok={200: schemas.PlaceList}, query=schemas.PlaceQuery, cached=True)
def place_search(query):
    """Places whose name matches `q` (the gazetteer the route builder searches), best first."""
    items = [place_json(match) for match in places.search_places(query.q)]
    return resource(schemas.PlaceList, {"items": items})


def _visible(route_id: int):
    found = routes.visible_route(route_id, current_user)
    if found is None:
        raise ApiProblem(404, "There is no route you may see at this address.")
    return found


def route_json(found) -> dict:
    return {
        "id": found.id,
        "name": found.name,
        "description": found.description,
        "status": str(found.status),
        "length_m": found.length_m,
        "waypoints": [{"name": w.name, "distance_m": w.distance_m} for w in found.waypoints],
    }


def _lon_lat(point) -> tuple[float, float]:
    """(lon, lat) of a PostGIS point as GeoAlchemy2 reads it (EWKB: order, type, SRID, x, y)."""
    data = bytes(point.data)
    order = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack(order + "I", data[1:5])
    offset = 9 if kind & 0x20000000 else 5
    return struct.unpack(order + "dd", data[offset : offset + 16])


def place_json(match) -> dict:
    lon, lat = _lon_lat(match.place.location)
    return {
        "id": match.place.id,
        "name": match.place.name,
        "label": places.place_label(match.place),
        "lon": lon,
        "lat": lat,
        "population": match.place.population,
        "distance_m": match.distance_m,
    }
