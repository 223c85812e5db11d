"""Live messages: a team event as htmx out-of-band fragments, from the templates the page uses.

A message is the same for every viewer with the same `units` (the one viewer detail a shared
fragment may show), so a web process renders each event at most once per unit system, never
once per socket. Parts that depend on who looks (a captain's buttons and CSRF tokens, "(you)",
the captain-only "Start one" link) are not rendered into the message: it carries a trigger
that makes each page fetch its own copy from `teams.part`. Those parts change rarely (someone
joins, a journey starts); parts that change on every walk must be `Shared`.

Needs a request context (for url_for); the live hub pushes one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template

from milequest.extensions import db
from milequest.models import Team, TeamEvent
from milequest.services.journeying import journeys, postcards
from milequest.services.teamwork import leaderboards


@dataclass(frozen=True)
class Viewer:
    """What a shared fragment may know about the viewer: it stands in for `current_user`."""

    units: str = "km"


@dataclass(frozen=True)
class Shared:
    """Rendered into the message; `context` returns None when there is nothing to show."""

    template: str
    context: Callable[[Team], dict | None]


@dataclass(frozen=True)
class PerViewer:
    """Each page re-fetches this part (`template`, root id `target`) from `teams.part`."""

    template: str
    target: str


def _progress_context(team: Team) -> dict | None:
    active = journeys.active_journey(team)
    return {"progress": journeys.progress(active)} if active else None


def _leaderboard_context(team: Team) -> dict | None:
    active = journeys.active_journey(team)
    return {"standings": leaderboards.leaderboard(active)} if active else None


PARTS: dict[str, Shared | PerViewer] = {
    "members": PerViewer("teams/_members_part.html", "members"),
    "journey": PerViewer("teams/_journey.html", "team-journey"),
    "progress": Shared("journeys/_progress.html", _progress_context),
    "leaderboard": Shared("teams/_leaderboard.html", _leaderboard_context),
}

# The parts of the team page an event changes besides the feed.
PARTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "activity_logged": ("progress", "leaderboard"),
    "activity_approved": ("progress", "leaderboard"),
    "activity_changed": ("progress", "leaderboard"),  # an edit or a delete: no feed line
    "milestone_reached": ("progress",),
    "member_joined": ("members", "progress", "leaderboard"),
    "member_left": ("members", "leaderboard"),
    "role_changed": ("members",),
    "member_renamed": ("members", "leaderboard"),
    "journey_target_set": ("progress",),
    "journey_started": ("journey",),
    "journey_abandoned": ("journey",),
    "journey_completed": ("journey",),
}

PER_VIEWER_PARTS = tuple(name for name, part in PARTS.items() if isinstance(part, PerViewer))


def per_viewer_template(name: str) -> str | None:
    part = PARTS.get(name)
    return part.template if isinstance(part, PerViewer) else None


def render_event_message(event: TeamEvent, units: str = "km") -> str:
    """One websocket message: the feed entry, the changed parts, and the page's new cursor."""
    team = db.session.get_one(Team, event.team_id)
    viewer = Viewer(units)
    pieces = []
    item = render_template("teams/_event_item.html", e=event, current_user=viewer).strip()
    if item:
        pieces.append(f'<ol hx-swap-oob="afterbegin:#team-event-list">{item}</ol>')
    for name in PARTS_BY_KIND.get(event.kind, ()):
        pieces.append(_render_part(name, team, viewer))
    if event.kind == "milestone_reached":
        pieces.append(_postcard(event, viewer))
    pieces.append(render_template("teams/_live_cursor.html", team=team, after=event.id))
    return "\n".join(piece for piece in pieces if piece)


def render_events_message(events: list[TeamEvent], units: str = "km") -> str:
    """What a poll answers: the messages of `events` (oldest first), one after another."""
    return "\n".join(render_event_message(event, units) for event in events)


def _postcard(event: TeamEvent, viewer: Viewer) -> str:
    """The milestone's postcard, for every member on the page (the same for all of them)."""
    postcard = postcards.for_event(event.id)
    if postcard is None:
        return ""
    return render_template("postcards/_live.html", postcard=postcard, current_user=viewer)


def _render_part(name: str, team: Team, viewer: Viewer) -> str:
    part = PARTS[name]
    if isinstance(part, PerViewer):
        return render_template("teams/_live_refresh.html", team=team, name=name, part=part)
    context = part.context(team)
    if context is None:
        return ""
    return render_template(part.template, team=team, current_user=viewer, oob=True, **context)
