"""Logging a walk, my activities (edit, delete, CSV export)."""

import uuid
from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, flash, render_template, request, url_for
from flask_login import current_user, login_required

from milequest.extensions import db
from milequest.forms.activities import METRES_PER, ActivityForm, blank_form, form_context
from milequest.forms.photos import uploads
from milequest.htmx import see_other
from milequest.services.core import team_access
from milequest.services.gallery import photos
from milequest.services.walks import activities, gpx_exports, tracks

bp = Blueprint("activities", __name__, url_prefix="/activities")
FIELD_FOR_PROBLEM = {"duration": "duration_minutes"}


def today() -> date:
    return activities.today_for(current_user)


@bp.before_request
@login_required
def _walkers_only():
    pass


@bp.errorhandler(activities.ActivityGone)
def _gone(error):
    db.session.rollback()
    page = render_template(
        "errors/error.html",
        status=404,
        message="That activity is not among yours any more.",
        detail="If you deleted it a moment ago (a second tap, another tab), it was deleted "
        "once and taken off the totals once.",
        back_url=url_for("activities.index"),
        back_label="My activities",
    )
    return page, 404


@bp.get("/new")
def new():
    form = blank_form(current_user.units, today(), _team_id())
    return render_template("activities/new.html", **form_context(form, today()))


@bp.post("/")
def create():
    form = ActivityForm(formdata=_with_quick_pick(request.form))
    if not form.validate():
        form.form_errors.extend(form.client_id.errors)  # a hidden field shows no errors itself
        return render_template("activities/new.html", **form_context(form, today())), 422
    try:
        activity, created = activities.log_activity(
            current_user, uuid.UUID(form.client_id.data), activity_input(form), today()
        )
        if created:  # a replay's photos came with the first submission
            photos.attach_photos(activity, uploads(request.files))
    except photos.PhotoNotStored as not_stored:  # the walk is fine: keep it, say what is not
        db.session.commit()
        flash(
            f"Logged {_logged(form)}, without its photos. {not_stored}",
            "error",
        )
        return see_other(url_for("photos.manage", activity_id=activity.id))
    except activities.ActivityInvalid as invalid:
        _show(invalid, form)
        return render_template("activities/new.html", **form_context(form, today())), 422
    except photos.PhotoInvalid as invalid:
        db.session.rollback()  # the activity is not logged either: fix the photo, send again
        form.form_errors.append(str(invalid))
        return render_template("activities/new.html", **form_context(form, today())), 422
    back = _return_url(form.team_id.data or "")  # before the commit expires the walker
    db.session.commit()
    if created:
        flash(f"Logged {_logged(form)} — nice!", "success")
    return see_other(back)


@bp.get("/")
def index():
    before = _cursor(request.args.get("before"))
    page = activities.page_of(current_user, before)
    return render_template("activities/index.html", page=page)


@bp.get("/<int:activity_id>/edit")
def edit_form(activity_id: int):
    activity = _own(activity_id)
    unit = "steps" if activity.steps else current_user.units
    form = ActivityForm(formdata=None, obj=activity, unit=unit)
    form.distance.data = (
        Decimal(activity.steps)
        if activity.steps
        else round(activity.distance_m / METRES_PER[current_user.units], 3)
    )
    form.duration_minutes.data = activity.duration_s // 60 if activity.duration_s else None
    form.client_id.data = str(activity.client_id)
    return _edit_page(activity, form)


@bp.post("/<int:activity_id>/edit")
def edit(activity_id: int):
    activity = _own(activity_id)
    form = ActivityForm()
    if form.validate():
        try:
            activities.edit_activity(activity, activity_input(form), today())
            db.session.commit()
            flash("Activity saved.", "success")
            return see_other(url_for("activities.index"))
        except activities.ActivityInvalid as invalid:
            db.session.rollback()
            _show(invalid, form)
    return _edit_page(activity, form), 422


@bp.post("/<int:activity_id>/delete")
def delete(activity_id: int):
    activities.delete_activity(_own(activity_id))
    db.session.commit()
    flash("Activity deleted.", "info")
    return see_other(url_for("activities.index"))


@bp.get("/export.csv")
def export():
    return Response(
        activities.csv_document(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="mile-quest-activities.csv"'},
    )


@bp.get("/export.gpx")
def export_gpx():
    return Response(
        gpx_exports.gpx_document(current_user),
        mimetype="application/gpx+xml",
        headers={"Content-Disposition": 'attachment; filename="mile-quest-activities.gpx"'},
    )


def _own(activity_id: int):
    activity = activities.owned_activity(activity_id, current_user)
    if activity is None:
        raise activities.ActivityGone
    return activity


def _edit_page(activity, form: ActivityForm) -> str:
    """The edit form, under the walker's own track when the activity has one."""
    context = form_context(form, today())
    context["earliest"] = activities.earliest_date(activity, today())  # imports reach further
    return render_template(
        "activities/edit.html",
        activity=activity,
        track_map=tracks.own_track_map(activity),
        **context,
    )


def activity_input(form: ActivityForm) -> activities.ActivityInput:
    return activities.ActivityInput(
        distance_m=form.distance_m(current_user.stride_m),
        activity_date=form.activity_date.data,
        kind=form.kind.data,
        duration_s=form.duration_s(),
        note=form.note.data or "",
        unit=form.unit.data,
        steps=form.steps(),
    )


def _logged(form: ActivityForm) -> str:
    """What a log added, as the walker typed it: "5 km", "8,000 steps"."""
    steps = form.steps()
    return f"{steps:,} steps" if steps else f"{form.distance.data} {form.unit.data}"


def _show(invalid: activities.ActivityInvalid, form: ActivityForm) -> None:
    for problem_field, message in invalid.problems.items():
        getattr(form, FIELD_FOR_PROBLEM.get(problem_field, problem_field)).errors.append(message)


def _with_quick_pick(formdata):
    """A quick-pick button ("2 mi") logs what it says, whatever the unit radio says."""
    amount, _, unit = formdata.get("quick", "").partition(" ")
    if not amount:
        return formdata
    formdata = formdata.copy()
    formdata["distance"] = amount
    if unit:  # a bare amount (an older page's button) takes the radio's unit
        formdata["unit"] = unit
    return formdata


def _team_id() -> int | None:
    team_id = request.args.get("team", type=int)
    return team_id if team_id and team_access.active_membership(team_id, current_user.id) else None


def _return_url(team_id: str) -> str:
    # isascii: "²".isdigit() is true and int("²") fails
    if (
        team_id.isascii()
        and team_id.isdigit()
        and team_access.active_membership(int(team_id), current_user.id)
    ):
        return url_for("teams.show", team_id=int(team_id))
    return url_for("activities.index")


def _cursor(value: str | None):
    """`<date>:<id>` of the last row shown, or None for the first page."""
    try:
        day, activity_id = (value or "").split(":")
        return date.fromisoformat(day), int(activity_id)
    except ValueError:
        return None
