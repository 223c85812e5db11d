"""One team socket: what it missed from the log, then live messages, each event once, in order.

The hub subscription is live before the log is read, so nothing falls between the two; an
event that arrives both ways is sent once (ids only grow, per team: see team_events). The
socket closes when its walker leaves the team, whichever way that event reaches it.
"""

from simple_websocket import ConnectionClosed

from milequest.extensions import db
from milequest.lib import metrics
from milequest.services.core import team_access, team_events
from milequest.services.live import live_fragments
from milequest.services.live.live_hub import Listener, LiveHub

WAIT_S = 5  # how long to wait for a message before checking the socket is still open
TRY_AGAIN_LATER = 1013  # htmx's ws extension reconnects after this close code
NO_LONGER_A_MEMBER = 1008  # "policy violation": htmx's ws extension does not reconnect


def serve(
    ws, hub: LiveHub, team_id: int, user_id: int, after_id: int, units: str, base_url: str
) -> None:
    """Send the team's events after `after_id`, then live ones, until the client leaves."""
    listener = hub.listen(team_id, user_id, units, team_events.last_id(team_id), base_url)
    metrics.OPEN_SOCKETS.inc()
    try:
        last_sent = _send_missed(ws, listener, after_id)
        db.session.remove()  # hold no database connection while the socket stays open
        while ws.connected:
            _ignore_incoming(ws)
            if listener.revoked:
                ws.close(NO_LONGER_A_MEMBER, "No longer a member of this team")
                return
            if listener.overflowed:
                ws.close(TRY_AGAIN_LATER, "Too far behind: reconnect to catch up")
                return
            item = listener.next(WAIT_S)
            if item is not None and item[0] > last_sent:
                ws.send(item[1])
                last_sent = item[0]
    except ConnectionClosed:
        pass
    finally:
        hub.leave(listener)
        metrics.OPEN_SOCKETS.dec()


def _send_missed(ws, listener: Listener, after_id: int) -> int:
    """Send the logged events after `after_id`; the last id sent."""
    last_sent = after_id
    while backlog := team_events.after(listener.team_id, last_sent):
        for event in backlog:
            if event.subject_id == listener.user_id and team_access.member_gone(event):
                listener.revoke()  # they left between the handshake's check and now
                return last_sent
            ws.send(live_fragments.render_event_message(event, listener.units))
            last_sent = event.id
    return last_sent


def _ignore_incoming(ws) -> None:
    # The page never sends; drop anything a client sends so it cannot pile up in memory.
    while ws.receive(timeout=0) is not None:
        pass
