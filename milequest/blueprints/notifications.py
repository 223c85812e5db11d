"""The notification centre, the header's unread count, the profile's choices and unsubscribe."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, url_for
from flask_login import current_user, login_required

from milequest.blueprints import read_along
from milequest.extensions import csrf, db
from milequest.forms.accounts import ProfileForm
from milequest.forms.notifications import NotificationSettingsForm
from milequest.htmx import see_other
from milequest.models.notification import Channel
from milequest.services.notifications import inbox, preferences
from milequest.services.notifications import unsubscribe as unsubscribe_links

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications() -> dict:
    """The header's count: one indexed count per page, only for a walker."""
    if not (has_request_context() and current_user.is_authenticated):  # a worker's email too
        return {"unread_notifications": 0}
    count = read_along.unread_count()  # read with the walker (a GET)
    return {"unread_notifications": inbox.unread_count(current_user.id) if count is None else count}


@bp.app_template_global()
def notification_settings_form() -> NotificationSettingsForm:
    return NotificationSettingsForm.for_choices(preferences.choices_of(current_user.id))


@bp.app_template_filter("local_time")
def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%-d %b, %H:%M")


@bp.get("/")
@login_required
def centre():
    return render_template("notifications/centre.html", items=inbox.recent(current_user.id))


@bp.get("/badge")
def badge():
    """The header's badge alone, polled every minute by pages open in a browser."""
    if not current_user.is_authenticated:
        return "", 204  # a session that ended: leave the badge as it is
    return render_template("notifications/_badge.html")


@bp.post("/<int:notification_id>/open")
@login_required
def open_item(notification_id: int):
    row = inbox.mark_read(current_user.id, notification_id)
    if row is None:
        abort(404)
    db.session.commit()
    return redirect(row.link, code=303)


@bp.post("/read")
@login_required
def read_all():
    inbox.mark_all_read(current_user.id)
    db.session.commit()
    return see_other(url_for("notifications.centre"))


@bp.post("/settings")
@login_required
def save_settings():
    form = NotificationSettingsForm()
    if not form.validate():
        page = render_template(
            "accounts/profile.html",
            form=ProfileForm.for_walker(current_user),
            notification_form=form,
        )
        return page, 422
    preferences.save(
        current_user.id,
        form.wants(),
        form.hour(form.quiet_from.data),
        form.hour(form.quiet_until.data),
        form.nudge_after_days.data,
    )
    db.session.commit()
    flash("Notification choices saved.", "success")
    return see_other(url_for("accounts.profile_form", _anchor="notifications"))


@bp.get("/unsubscribe/<token>")
def unsubscribe_form(token: str):
    """Asks first: mail scanners open links, and a GET must not change anything."""
    return _unsubscribe_page(token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: the mail provider posts without a session; the signed token is the key
def unsubscribe(token: str):
    return _unsubscribe_page(token, done=True)


def _unsubscribe_page(token: str, done: bool):
    try:
        user, kind = unsubscribe_links.read_token(token)
    except unsubscribe_links.BadUnsubscribeLink as refused:
        return render_template("errors/error.html", status=400, message=str(refused)), 400
    if done:
        preferences.turn_off(user.id, kind, Channel.EMAIL)
        db.session.commit()
    label = preferences.KINDS[kind].label
    return render_template(
        "notifications/unsubscribe.html", token=token, email=user.email, label=label, done=done
    )
