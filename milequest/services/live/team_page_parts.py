"""The team page's parts that every member sees alike, rendered once per team version.

The journey's progress and map, the leaderboard, the feed and the member list (as a plain
member sees it) change only when the team's event log moves or a captain edits the team's own
fields, so each is rendered once per (team, last event id, team fields, unit system) and kept in
this process's LRU. The page assembles them with what depends on the viewer, rendered on every
request: the log form (CSRF token, client id, the walker's dates), captain tools, "(you)".
A change that alters a shared part any other way appends an event (a quiet one when the feed has
nothing to say: team_events.QUIET_KINDS), so the version moves with it.

Needs a request context (for url_for).
"""

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import render_template
from markupsafe import Markup

from milequest.extensions import db
from milequest.models import Journey, Membership, Team
from milequest.services.core import team_events
from milequest.services.core.team_access import TeamAccess
from milequest.services.journeying import journeys
from milequest.services.live.live_fragments import Viewer
from milequest.services.teamwork import leaderboards, teams

_YOU = ' <span class="muted">(you)</span>'


@dataclass(frozen=True)
class TeamVersion:
    """What a shared part's render depends on, besides the unit system."""

    team_id: int
    last_event_id: int
    fields: str  # a digest of the team's own fields (an edit records no event), and more

    def tag(self, *more) -> str:
        """An entity tag for a response built from this version (and `more`)."""
        return "-".join(
            str(part) for part in (self.team_id, self.last_event_id, self.fields, *more)
        )


def version_of(access: TeamAccess) -> TeamVersion:
    """The version of the team `access` was checked for. The last event's time is in the digest
    too: a database reset restarts the ids, and a web process must not serve an old render."""
    team = access.team
    fields = repr(
        (team.name, team.description, team.is_public, team.archived_at, access.last_event_at)
    )
    return TeamVersion(
        team.id, access.last_event_id, hashlib.blake2b(fields.encode(), digest_size=6).hexdigest()
    )


class RenderCache:
    """An LRU of rendered HTML bounded by its total size (characters)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._chars = 0

    def get_or_render(self, key: tuple, render: Callable[[], str]) -> str:
        html = self._items.get(key)
        if html is not None:
            self._items.move_to_end(key)
            return html
        html = render()
        if key not in self._items:  # another greenlet may have rendered it meanwhile
            self._items[key] = html
            self._chars += len(html)
        while self._chars > self.max_chars and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self._chars -= len(dropped)
        return html

    def clear(self) -> None:
        self._items.clear()
        self._chars = 0


RENDERS = RenderCache(max_chars=32_000_000)  # per web process


@dataclass(frozen=True)
class _PlainMember:
    """The access of a member who manages nothing: what the shared member list is rendered as."""

    can_manage: bool = False
    is_captain: bool = False


@dataclass(frozen=True)
class ShownJourney:
    """What the page itself needs of the journey it shows: which, and whether it is active."""

    id: int
    is_active: bool


class Memo:
    """A bounded LRU of values read once per key in this process."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: OrderedDict = OrderedDict()

    def get(self, key: Hashable, read: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = read()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> Any:
        return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


# journeys.shown_journey per team version: a journey starting, ending or being abandoned
# appends an event, so it is the same for everyone at one version.
SHOWN_JOURNEYS = Memo(max_items=50_000)
# Per membership, the team version at which the member had no postcard left unseen: postcards
# come with a milestone event, so none can appear without the version moving.
ALL_POSTCARDS_SEEN = Memo(max_items=200_000)


class SharedParts:
    """The shared parts of `team` at `version` in `units`, each rendered on first use.

    `shown` is the journey the page shows (journeys.shown_journey), read once per version;
    `journey` loads it whole, which only a render needs.
    """

    def __init__(self, team: Team, version: TeamVersion, units: str):
        self.team, self.version, self.units = team, version, units
        self._journey: Journey | None = None

    @property
    def shown(self) -> ShownJourney | None:
        return SHOWN_JOURNEYS.get(self.version, self._read_shown)

    def _read_shown(self) -> ShownJourney | None:
        journey = journeys.shown_journey(self.team)
        return None if journey is None else ShownJourney(journey.id, journey.is_active)

    @property
    def journey(self) -> Journey | None:
        shown = self.shown
        if shown is None:
            return None
        if self._journey is None or self._journey.id != shown.id:
            self._journey = db.session.get(Journey, shown.id)
        return self._journey

    @property
    def progress(self) -> Markup:
        if self.shown is None:  # no journey on the page: nothing to show
            return Markup("")
        return self._part(
            "journeys/_progress.html", lambda: {"progress": journeys.progress(self._shown_whole())}
        )

    @property
    def leaderboard(self) -> Markup:
        return self._part(
            "teams/_leaderboard.html",
            lambda: {"standings": leaderboards.leaderboard(self.journey) if self.journey else []},
        )

    @property
    def events(self) -> Markup:
        return self._part(
            "teams/_events.html", lambda: {"events": team_events.recent(self.team.id)}
        )

    def members_seen_by(self, membership: Membership) -> Markup:
        """The member list as a plain member sees it, with "(you)" after their own name."""
        html = self._html(
            "teams/_members.html",
            lambda: {"members": teams.members_of(self.team), "access": _PlainMember()},
        )
        return Markup(mark_viewer(html, membership.id))

    def _shown_whole(self) -> Journey:
        journey = self.journey
        if journey is None:
            raise LookupError(f"team {self.team.id} shows no journey")
        return journey

    def _part(self, template: str, data: Callable[[], dict]) -> Markup:
        return Markup(self._html(template, data))

    def _html(self, template: str, data: Callable[[], dict]) -> str:
        def render() -> str:
            viewer = Viewer(self.units)
            return render_template(template, team=self.team, current_user=viewer, **data())

        return RENDERS.get_or_render((self.version, self.units, template), render)


def mark_viewer(members_html: str, membership_id: int) -> str:
    """Add "(you)" after the viewer's name in a member list rendered for nobody in particular."""
    name_at = members_html.find(f'id="member-{membership_id}-name"')
    if name_at < 0:
        return members_html
    end = members_html.find("</strong>", name_at) + len("</strong>")
    return members_html[:end] + _YOU + members_html[end:]
