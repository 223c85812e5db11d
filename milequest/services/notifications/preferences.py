"""What each walker wants: per kind and channel, quiet hours and the nudge's delay.

No settings row means the defaults below; quiet hours are wall-clock times in the walker's own
time zone (`users.timezone`), and an email or a push due inside them waits until they end.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.models import NotificationSettings, User
from milequest.models.notification import Channel, NotificationKind

Kind = NotificationKind


@dataclass(frozen=True)
class KindInfo:
    label: str
    hint: str
    defaults: dict[Channel, bool]


KINDS: dict[Kind, KindInfo] = {
    Kind.MILESTONE: KindInfo(
        "Milestones",
        "Your team passed a place on its route.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: True},
    ),
    Kind.JOURNEY_COMPLETED: KindInfo(
        "Journey finished",
        "Your team reached the end.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: True},
    ),
    Kind.WEEKLY_DIGEST: KindInfo(
        "Weekly digest",
        "Monday morning: your team's week.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: False},
    ),
    Kind.WALK_NUDGE: KindInfo(
        "Nudge when I haven't walked",
        "At most once a week.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: False},
    ),
    Kind.STREAK_AT_RISK: KindInfo(
        "Streak at risk",
        "In the evening, when a walk today is all that keeps your streak.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: True},
    ),
    Kind.REVIEW_WAITING: KindInfo(
        "Walks and photos to review",
        "For captains.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: False},
    ),
    Kind.TEAM_INVITE: KindInfo(
        "Team invites",
        "A captain invited you to their team.",
        {Channel.IN_APP: True, Channel.EMAIL: True, Channel.PUSH: True},
    ),
    Kind.MEMBER_JOINED: KindInfo(
        "A member joined",
        "For captains.",
        {Channel.IN_APP: True, Channel.EMAIL: False, Channel.PUSH: False},
    ),
}
DEFAULT_QUIET = (time(22, 0), time(7, 0))
DEFAULT_NUDGE_DAYS = 3
NUDGE_DAYS_RANGE = (1, 30)


@dataclass(frozen=True)
class Choices:
    """A walker's settings, defaults filled in."""

    wants: dict[tuple[Kind, Channel], bool]
    quiet_from: time | None
    quiet_until: time | None
    nudge_after_days: int

    def wanted(self, kind: Kind, channel: Channel) -> bool:
        return self.wants[(kind, channel)]

    def any_channel(self, kind: Kind) -> bool:
        return any(self.wanted(kind, channel) for channel in Channel)


def choices_of(user_id: int) -> Choices:
    row = db.session.get(NotificationSettings, user_id, populate_existing=True)
    stored = row.choices if row else {}
    wants = {
        (kind, channel): bool(stored.get(kind, {}).get(channel, info.defaults[channel]))
        for kind, info in KINDS.items()
        for channel in Channel
    }
    if row is None:
        return Choices(wants, *DEFAULT_QUIET, DEFAULT_NUDGE_DAYS)
    return Choices(wants, row.quiet_from, row.quiet_until, row.nudge_after_days)


def save(
    user_id: int,
    wants: dict[tuple[Kind, Channel], bool],
    quiet_from: time | None,
    quiet_until: time | None,
    nudge_after_days: int,
) -> None:
    """Store every choice at once (flushed). Quiet hours need both ends, or neither."""
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        quiet_from = quiet_until = None
    choices: dict[str, dict[str, bool]] = {}
    for (kind, channel), wanted in wants.items():
        choices.setdefault(kind.value, {})[channel.value] = wanted
    values = {
        "choices": choices,
        "quiet_from": quiet_from,
        "quiet_until": quiet_until,
        "nudge_after_days": nudge_after_days,
    }
    _upsert(user_id, values)


def turn_off(user_id: int, kind: Kind, channel: Channel) -> None:
    """Stop one kind on one channel (an email's unsubscribe link); the rest stays. Flushes."""
    current = choices_of(user_id)
    wants = dict(current.wants)
    wants[(kind, channel)] = False
    save(user_id, wants, current.quiet_from, current.quiet_until, current.nudge_after_days)


def _upsert(user_id: int, values: dict) -> None:
    statement = insert(NotificationSettings).values(user_id=user_id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


def next_send(
    kind: NotificationKind, channel: Channel, user: User, choices: Choices, now: datetime
) -> datetime | None:
    """When a hand-over due by `channel` may go: `now`, the end of quiet hours that began
    since, or None when the walker has turned that channel off since."""
    return send_time(user, choices, now) if choices.wanted(kind, channel) else None


def send_time(user: User, choices: Choices, now: datetime) -> datetime:
    """When an email or a push made at `now` may go: now, or the end of the quiet hours."""
    if choices.quiet_from is None or choices.quiet_until is None:
        return now
    local = now.astimezone(ZoneInfo(user.timezone))
    start, end = choices.quiet_from, choices.quiet_until
    clock = local.time().replace(tzinfo=None)
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return now
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends = datetime.combine(local.date() + timedelta(days=1), end, local.tzinfo)
    return ends.astimezone(now.tzinfo)
