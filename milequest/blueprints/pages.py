"""The landing page, the walker's dashboard and how each kind of activity counts."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from milequest.services.journeying import journeys
from milequest.services.walkers import walker_stats
from milequest.services.walks import activities, activity_kinds

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    return render_template("pages/index.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    my_teams, bars = journeys.teams_with_bars(current_user.id)
    return render_template(
        "pages/dashboard.html",
        teams=my_teams,
        progress=bars,
        stats=walker_stats.stats(current_user, activities.today_for(current_user)),
    )


@bp.get("/activity-kinds")
def activity_kinds_table():
    """The conversion table, with the source of each factor: for walkers and captains alike."""
    units = current_user.units if current_user.is_authenticated else "km"
    return render_template(
        "pages/activity_kinds.html",
        kinds=activity_kinds.table().values(),
        units=units,
        ten_m=10 * activities.METRES_PER[units],
    )
