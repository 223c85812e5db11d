"""Captains review their team's held activities: the list, approve, reject."""

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user

from milequest.blueprints.team_scope import team_view
from milequest.extensions import db
from milequest.htmx import see_other
from milequest.services.core.team_access import Need
from milequest.services.walks import activity_reviews

bp = Blueprint("activity_reviews", __name__, url_prefix="/teams/<int:team_id>/reviews")


@bp.get("/")
@team_view(bp, need=Need.CAPTAIN)
def index(access):
    held = activity_reviews.held_for_team(access.team)
    return render_template("activity_reviews/index.html", team=access.team, held=held)


@bp.post("/<int:activity_id>")
@team_view(bp, need=Need.CAPTAIN)
def decide(access, activity_id: int):
    approve = request.form.get("decision") == "approve"
    try:
        activity = activity_reviews.review(activity_id, access.team, current_user, approve)
    except activity_reviews.ReviewRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(
            f"Approved: {activity.user.display_name}'s activity now counts."
            if approve
            else f"{activity.user.display_name}'s activity will not count.",
            "success" if approve else "info",
        )
    back = request.form.get("back")
    return see_other(
        url_for(
            "teams.show" if back == "team" else "activity_reviews.index", team_id=access.team.id
        )
    )
