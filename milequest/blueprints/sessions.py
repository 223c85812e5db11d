"""The walker's logged-in devices: end one, or log out everywhere."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, session, url_for
from flask_login import current_user, login_required, logout_user

from milequest.extensions import db
from milequest.htmx import see_other
from milequest.services.walkers import walker_sessions

bp = Blueprint("sessions", __name__)


@bp.app_template_global("walker_sessions_listed")
def walker_sessions_listed():
    """(session, device name, is this one) for the profile's list of devices."""
    current_id = walker_sessions.current_session_id(current_user)
    return [
        (row, walker_sessions.device_of(row), row.id == current_id)
        for row in walker_sessions.open_sessions(current_user)
    ]


@bp.app_template_filter("local_moment")
def local_moment(moment: datetime, walker) -> str:
    """A moment as the walker reads it: their time zone, day and minute."""
    return moment.astimezone(ZoneInfo(walker.timezone)).strftime("%-d %b %Y, %H:%M")


def _logged_out(message: str):
    logout_user()
    session.clear()
    flash(message, "info")
    return see_other(url_for("accounts.login_form"), reload=True)


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end(session_id: int):
    this_one = session_id == walker_sessions.current_session_id(current_user)
    ended = walker_sessions.end_session(current_user, session_id)
    db.session.commit()
    if this_one:
        return _logged_out("You are logged out.")
    flash("That device is logged out." if ended else "That session had already ended.", "info")
    return see_other(url_for("accounts.profile_form"))


@bp.post("/sessions/end-all")
@login_required
def end_all():
    walker_sessions.end_all_sessions(current_user.id)
    db.session.commit()
    return _logged_out("You are logged out on every device.")
