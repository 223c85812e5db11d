"""A team's journeys: the active one on its map, history, and the captain's start and abandon."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from milequest.blueprints.changes import commit_unless_refused
from milequest.blueprints.team_scope import team_view
from milequest.extensions import db
from milequest.forms.journeys import StartJourneyForm, TargetDateForm
from milequest.htmx import see_other
from milequest.services.atlas import catalog, route_filters, route_maps, routes
from milequest.services.core.team_access import Need
from milequest.services.journeying import journey_forecasts, journey_planning, journeys
from milequest.services.walks import activities

bp = Blueprint("journeys", __name__, url_prefix="/teams/<int:team_id>/journeys")


def _start_form(form: StartJourneyForm | None = None, choices=None) -> StartJourneyForm:
    form = form or StartJourneyForm()
    choices = routes.startable_routes(current_user) if choices is None else choices
    form.route_id.choices = [(r.id, r.name) for r in choices]
    return form


def _choice_context(team, form: StartJourneyForm | None) -> dict:
    """The start form, and what its route cards show: the routes (filtered by the picker's GET
    form, whose values a re-rendered start form carries along) and the team's pace."""
    choices = routes.startable_routes(current_user)
    picked = route_filters.RouteFilter.from_values(request.values)
    return {
        "form": _start_form(form, choices),
        "choices": picked.apply(choices),
        "picked": picked,
        "scales": route_filters.SCALES,
        "regions": catalog.REGIONS,
        "pace": journey_planning.recent_pace(team, activities.today_for(current_user)),
        "pace_days": journey_planning.PACE_DAYS,
    }


def _planning_context(active, target_form: TargetDateForm | None) -> dict:
    if active is None:
        return {}
    today = activities.today_for(current_user)
    return {
        "forecast": journey_forecasts.forecast(active, today),
        "target_form": target_form or TargetDateForm(target_date=active.target_date),
    }


def _page(access, form=None, status=200, target_form=None):
    active = journeys.active_journey(access.team)
    progress = journeys.progress(active) if active else None
    choosing = _can_start(access, active)
    return render_template(
        "journeys/index.html",
        access=access,
        team=access.team,
        progress=progress,
        line=route_maps.leaflet_line(active.route) if active else [],
        past=journeys.past_journeys(access.team),
        **_planning_context(active, target_form),
        **(_choice_context(access.team, form) if choosing else {"form": None}),
    ), status


def _can_start(access, active) -> bool:
    return access.can_manage and active is None


@bp.get("/")
@team_view(bp, need=Need.MEMBER)
def index(access):
    return _page(access)


@bp.post("/")
@team_view(bp, need=Need.CAPTAIN)
def start(access):
    form = _start_form(StartJourneyForm())
    if not form.validate():
        return _page(access, form, 422)
    route = routes.visible_route(form.route_id.data, current_user) or abort(404)
    today = activities.today_for(current_user)
    try:
        journeys.start_journey(access.team, route, current_user, today, form.target_date.data)
    except journeys.JourneyError as error:
        form.form_errors.append(str(error))
        return _page(access, form, 422)
    db.session.commit()
    flash(f"The journey along {route.name} has begun. Every step counts!", "success")
    return see_other(url_for("teams.show", team_id=access.team.id))


@bp.post("/abandon")
@team_view(bp, need=Need.CAPTAIN)
def abandon(access):
    active = journeys.active_journey(access.team)
    if active is not None:
        journeys.abandon_journey(active, current_user)
        db.session.commit()
        flash("The journey was abandoned. It stays in the team's history.", "info")
    return see_other(url_for("journeys.index", team_id=access.team.id))


@bp.post("/target")
@team_view(bp, need=Need.CAPTAIN)
def set_target(access):
    form = TargetDateForm()
    active = journeys.active_journey(access.team)
    if active is None:
        flash("The team is not on a journey.", "info")
        return see_other(url_for("journeys.index", team_id=access.team.id))
    if not form.validate():
        return _page(access, status=422, target_form=form)
    today = activities.today_for(current_user)
    target = form.target_date.data
    if refused := commit_unless_refused(lambda: journeys.set_target_date(active, target, today)):
        form.target_date.errors.append(str(refused))
        return _page(access, status=422, target_form=form)
    flash("Target date saved." if form.target_date.data else "Target date cleared.", "success")
    return see_other(url_for("journeys.index", team_id=access.team.id) + "#planning")
