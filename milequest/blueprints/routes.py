"""Routes: the list, a route's page and its build status, and the draft route builder."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from milequest.blueprints.changes import commit_unless_refused
from milequest.extensions import db
from milequest.forms.base import searchable
from milequest.forms.routes import (
    MoveForm,
    NewRouteForm,
    PlaceWaypointForm,
    PointWaypointForm,
    SaveRouteForm,
)
from milequest.htmx import render, see_other
from milequest.refusals import Refused
from milequest.services.atlas import (
    catalog,
    places,
    route_filters,
    route_legs,
    route_maps,
    routes,
)
from milequest.services.journeying import journey_planning

bp = Blueprint("routes", __name__, url_prefix="/routes")
METRES_PER = {"km": 1000.0, "mi": 1609.344}


@bp.before_request
@login_required
def _logged_in():
    return None


@bp.app_template_filter("distance")
def distance(metres: float | None, units: str = "km") -> str:
    if metres is None:
        return "-"
    return f"{float(metres) / METRES_PER.get(units, 1000.0):,.1f} {units}"


@bp.app_template_filter("whole_distance")
def whole_distance(metres: float, units: str = "km") -> str:
    return f"{float(metres) / METRES_PER.get(units, 1000.0):,.0f} {units}"


@bp.app_template_global("catalog_sources")
def catalog_sources(route) -> dict:
    """Where a catalog route's figures come from (empty for a walker's own route)."""
    entry = catalog.entry_for(route)
    return entry["sources"] if entry else {}


@bp.app_template_global("route_svg_map")
def route_svg_map(route, distance_m=None, position=None):
    return route_maps.svg_map(route, distance_m, position)


@bp.app_template_global("route_thumbnail")
def route_thumbnail(route):
    return route_maps.thumbnail(route)


def _visible(route_id: int):
    return routes.visible_route(route_id, current_user) or abort(404)


def _editable(route_id: int):
    return routes.editable_route(route_id, current_user) or abort(404)


def _index(form: NewRouteForm, status: int = 200):
    picked = route_filters.RouteFilter.from_values(request.args)
    return render_template(
        "routes/index.html",
        catalog=picked.apply(routes.catalog_routes()),
        picked=picked,
        scales=route_filters.SCALES,
        regions=catalog.REGIONS,
        own=routes.routes_of(current_user),
        form=form,
    ), status


@bp.get("")
def index():
    return _index(NewRouteForm())


@bp.post("")
def create():
    form = NewRouteForm()
    if not form.validate():
        return _index(form, 422)
    route = routes.create_draft(current_user, form.name.data)
    db.session.commit()
    return see_other(url_for("routes.edit", route_id=route.id))


def _route_page(route_id: int):
    route = _visible(route_id)
    context = {"route": route, "line": route_maps.leaflet_line(route), "teams": None}
    if routes.can_start_on(route, current_user):
        context["teams"] = journey_planning.captained_teams(current_user)
    return render("routes/route.html", "routes/_build.html", **context)


@bp.get("/<int:route_id>")
def show(route_id: int):
    return _route_page(route_id)


@bp.get("/<int:route_id>/status")
def status(route_id: int):
    """What the route page polls while the route builds: its whole build-dependent block."""
    return _route_page(route_id)


def _edit_context(route, error: str | None = None, **forms) -> dict:
    query = searchable(request.args.get("q", "")).strip()
    points = routes.waypoint_points(route)
    return {
        "route": route,
        "query": query,
        "results": places.search_places(query, points[-1] if points else None) if query else [],
        "label": places.place_label,
        "long_leg": forms.get("long_leg"),
        "leg_rule": route_legs,
        "distance_m": routes.straight_distance_m(route),
        "legs_m": route_legs.legs_m(route),
        "error": error,
        "save_form": forms.get("save_form") or SaveRouteForm(name=route.name),
        "point_form": forms.get("point_form") or PointWaypointForm(),
    }


def _edit_page(route, status: int = 200, error: str | None = None, **forms):
    # Always the whole page: htmx follows "Start a route" (HX-Location) here too.
    return render_template("routes/edit.html", **_edit_context(route, error, **forms)), status


@bp.get("/<int:route_id>/edit")
def edit(route_id: int):
    route = _editable(route_id)
    if not route.is_editable:
        return see_other(url_for("routes.show", route_id=route.id))
    return _edit_page(route)


@bp.get("/<int:route_id>/places")
def place_results(route_id: int):
    """The search box's results, swapped in as the walker types (the page's twin is edit?q=)."""
    route = _editable(route_id)
    return render("routes/edit.html", "routes/_place_results.html", **_edit_context(route))


def _back_to_editor(route, refused: Refused | None):
    """The editor again after a draft change; 422 with the reason when the route refused it.

    A suspiciously long leg answers the editor with the question, and a form that posts the
    same change again, confirmed.
    """
    if isinstance(refused, routes.LongLegError):
        return _edit_page(route, 422, long_leg=refused.leg)
    if refused:
        return _edit_page(route, 422, error=str(refused))
    return see_other(url_for("routes.edit", route_id=route.id))


@bp.post("/<int:route_id>/waypoints")
def add_place(route_id: int):
    route = _editable(route_id)
    form = PlaceWaypointForm()
    if not form.validate():
        return _edit_page(route, 422, error="Pick a place from the search results.")
    refused = commit_unless_refused(
        lambda: routes.add_place(route, form.place_id.data, long_ok=form.long_ok.data)
    )
    return _back_to_editor(route, refused)


@bp.post("/<int:route_id>/points")
def add_point(route_id: int):
    route = _editable(route_id)
    form = PointWaypointForm()
    if not form.validate():
        return _edit_page(route, 422, error="Enter a latitude and a longitude.", point_form=form)
    refused = commit_unless_refused(
        lambda: routes.add_point(route, form.lon.data, form.lat.data, long_ok=form.long_ok.data)
    )
    return _back_to_editor(route, refused)


@bp.post("/<int:route_id>/waypoints/<int:waypoint_id>/move")
def move(route_id: int, waypoint_id: int):
    route = _editable(route_id)
    form = MoveForm()
    step = {"up": -1, "down": 1}.get(form.direction.data) if form.validate() else None
    if step is None:
        abort(400)
    refused = commit_unless_refused(lambda: routes.move_waypoint(route, waypoint_id, step))
    return _back_to_editor(route, refused)


@bp.post("/<int:route_id>/waypoints/<int:waypoint_id>/delete")
def remove(route_id: int, waypoint_id: int):
    route = _editable(route_id)  # CSRFProtect has checked the token
    refused = commit_unless_refused(lambda: routes.remove_waypoint(route, waypoint_id))
    return _back_to_editor(route, refused)


@bp.post("/<int:route_id>/save")
def save(route_id: int):
    route = _editable(route_id)
    form = SaveRouteForm()
    if not form.validate():
        return _edit_page(route, 422, save_form=form)
    if refused := commit_unless_refused(lambda: routes.submit_route(route, form.name.data)):
        return _back_to_editor(route, refused)
    return see_other(url_for("routes.show", route_id=route.id))
