"""Live team updates: the WebSocket stream and the polling fallback (members only)."""

from typing import cast

from flask import Blueprint, Flask, abort, current_app, request
from flask_login import current_user

from milequest.blueprints import conditional
from milequest.blueprints.team_scope import team_socket, team_view
from milequest.services.core import team_events
from milequest.services.core.team_access import Need
from milequest.services.live import live_fragments, live_hub, live_streams, team_page_parts

bp = Blueprint("live", __name__, url_prefix="/teams")
bp.record_once(lambda state: live_hub.init_app(cast(Flask, state.app)))


@bp.before_request
def _same_origin_only():
    # Browsers send Origin on every WebSocket handshake; a page elsewhere must not ride on our
    # cookies (cross-site WebSocket hijacking). Refused before the handshake, like outsiders.
    same_origin = request.headers.get("Origin") == request.host_url.rstrip("/")
    if request.endpoint == "live.stream" and not same_origin:
        abort(403)


@team_socket(bp, "/<int:team_id>/live")
def stream(ws, access):
    try:
        live_streams.serve(
            ws,
            live_hub.hub_for(current_app),
            access.team.id,
            user_id=current_user.id,
            after_id=request.args.get("after", 0, type=int),
            units=current_user.units,
            base_url=request.url_root,
        )
    except live_hub.HubUnavailable:
        ws.close(live_streams.TRY_AGAIN_LATER, "Live updates are unavailable")


@bp.get("/<int:team_id>/updates")
@team_view(bp, need=Need.MEMBER)
def updates(access):
    """The polling fallback: the live messages of the events after `after`, oldest first;
    304 when the poller already holds them."""
    after = request.args.get("after", 0, type=int)
    if after >= access.last_event_id:
        return "", 204
    version = team_page_parts.version_of(access)
    return conditional.answer(
        version.tag("updates", after, current_user.units),
        lambda: live_fragments.render_events_message(
            team_events.after(access.team.id, after), current_user.units
        ),
    )
