"""A walker's devices for push notifications: subscribe and unsubscribe (the profile's script
posts JSON, with the CSRF token in its header), and "Remove" on the profile (a plain form)."""

from flask import Blueprint, current_app, flash, jsonify, request, url_for
from flask_login import current_user, login_required
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from milequest.extensions import db
from milequest.htmx import see_other
from milequest.services.notifications import push_subscriptions
from milequest.services.walkers import walker_sessions

bp = Blueprint("push_devices", __name__, url_prefix="/notifications/push")


class _Keys(BaseModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class _Subscription(BaseModel):
    """The browser's `PushSubscription.toJSON()`; `expirationTime` and the rest are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)
    endpoint: str = Field(max_length=push_subscriptions.MAX_ENDPOINT)
    keys: _Keys | None = None


@bp.app_template_global()
def push_offer() -> dict | None:
    """What the profile's script needs to offer push on this device, or None (no keys)."""
    public_key = current_app.config["VAPID_PUBLIC_KEY"]
    if not push_subscriptions.vapid_keys().usable:
        return None
    return {
        "public_key": public_key,
        "subscribe_url": url_for("push_devices.subscribe"),
        "unsubscribe_url": url_for("push_devices.unsubscribe"),
        "devices": push_subscriptions.devices(current_user.id),
    }


def _refused(message: str):
    db.session.rollback()
    return jsonify(error=message), 400


def _posted() -> _Subscription | None:
    try:
        return _Subscription.model_validate(request.get_json(silent=True))
    except ValidationError:
        return None


@bp.post("/subscribe")
@login_required
def subscribe():
    posted = _posted()
    if posted is None or posted.keys is None:
        return _refused("Send the browser's push subscription as JSON.")
    try:
        subscription_id = push_subscriptions.subscribe(
            current_user.id,
            posted.endpoint,
            posted.keys.p256dh,
            posted.keys.auth,
            request.headers.get("User-Agent", ""),
            walker_sessions.current_session_id(current_user),
        )
    except push_subscriptions.BadSubscription as refused:
        return _refused(str(refused))
    db.session.commit()
    return jsonify(id=subscription_id), 201


@bp.post("/unsubscribe")
@login_required
def unsubscribe():
    posted = _posted()
    if posted is None:
        return _refused("Send the browser's push subscription as JSON.")
    push_subscriptions.unsubscribe(current_user.id, posted.endpoint)
    db.session.commit()
    return "", 204


@bp.post("/devices/<int:subscription_id>/remove")
@login_required
def remove(subscription_id: int):
    removed = push_subscriptions.remove(current_user.id, subscription_id)
    db.session.commit()
    flash(
        "That device gets no more notifications." if removed else "No such device on your list.",
        "info",
    )
    return see_other(url_for("accounts.profile_form", _anchor="push-devices"))
