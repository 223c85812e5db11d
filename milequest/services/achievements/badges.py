"""Badges: earned once (the unique key), shown on the profile and told in the team feed.

Personal badges (first walk, 10 / 100 / 1,000 km, streaks of 7 and 30 days) are recomputed
from the walker's own days after every change to them (log, edit, delete, a captain's
approval), under the walker's counting lock: one the walks no longer support is withdrawn
(a deleted walk takes its distance badge with it) and comes back, same row, if earned again.
The feed is told once, when the row is first made. Team badges (each milestone passed, the
journey finished) go to every active member when the team passes it and stay, as postcards do:
a milestone is not announced twice either.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.models import Badge, Membership, User, WalkerDay
from milequest.models.badge import PERSONAL_KINDS, BadgeKind
from milequest.models.base import utcnow
from milequest.services.achievements import streaks
from milequest.services.core import team_events

DISTANCE_BADGES_M = (10_000, 100_000, 1_000_000)
STREAK_BADGES_DAYS = (7, 30)
EVENT_KIND = "badge_earned"

Key = tuple[str, str]  # (kind, key)


@dataclass(frozen=True)
class Earned:
    """A badge row just made: the feed hears of it."""

    kind: str
    key: str


def walker_days(user_id: int) -> list[tuple[date, Decimal]]:
    """The walker's walked days (local dates) and distances, oldest first: one indexed read."""
    rows = db.session.execute(
        select(WalkerDay.day, WalkerDay.distance_m)
        .where(WalkerDay.user_id == user_id, WalkerDay.distance_m > 0)
        .order_by(WalkerDay.day)
    )
    return [(day, distance_m) for day, distance_m in rows]


def supported(days: Sequence[tuple[date, Decimal]]) -> set[Key]:
    """The personal badges these days earn."""
    if not days:
        return set()
    total_m = sum((distance_m for _, distance_m in days), Decimal(0))
    longest = streaks.longest(day for day, _ in days)
    keys = {(BadgeKind.FIRST_WALK.value, "")}
    keys |= {(BadgeKind.DISTANCE.value, str(m)) for m in DISTANCE_BADGES_M if total_m >= m}
    keys |= {(BadgeKind.STREAK.value, str(n)) for n in STREAK_BADGES_DAYS if longest >= n}
    return keys


def recompute(user_id: int) -> list[Earned]:
    """Bring the walker's personal badges in line with their days (flushed); the new ones.

    The caller holds the walker's counting lock; without it two racing calls still make one
    row each (ON CONFLICT DO NOTHING), and only the one that made it returns it.
    """
    wanted = supported(walker_days(user_id))
    held = {
        (b.kind, b.key): b
        for b in db.session.scalars(
            select(Badge).where(Badge.user_id == user_id, Badge.kind.in_(PERSONAL_KINDS))
        )
    }
    now = utcnow()
    for key, badge in held.items():
        if key in wanted and badge.withdrawn_at is not None:
            badge.withdrawn_at = None
        elif key not in wanted and badge.withdrawn_at is None:
            badge.withdrawn_at = now
    new = sorted(wanted - held.keys(), key=_in_order)
    earned = [Earned(*key) for key in new if _award(user_id, *key)]
    db.session.flush()
    return earned


def _in_order(key: Key) -> tuple[int, int]:
    """First walk, then distances, then streaks, each smallest first: the feed's order."""
    kind, value = key
    return PERSONAL_KINDS.index(BadgeKind(kind)), int(value or 0)


def _award(user_id: int, kind: str, key: str, data: dict | None = None) -> bool:
    made = db.session.execute(
        insert(Badge)
        .values(user_id=user_id, kind=kind, key=key, data=data or {}, earned_at=utcnow())
        .on_conflict_do_nothing(constraint="uq_badges_user_id")
        .returning(Badge.id)
    ).scalar_one_or_none()
    return made is not None


def teams_to_tell(user_id: int, earned: Sequence[Earned]) -> set[int]:
    """The walker's current teams, when there is news for their feeds."""
    if not earned:
        return set()
    return set(
        db.session.scalars(
            select(Membership.team_id).where(
                Membership.user_id == user_id, Membership.left_at.is_(None)
            )
        )
    )


def tell_team(team_id: int, walker: User, earned: Sequence[Earned]) -> None:
    """One feed event per new badge. The caller appends to its teams in team-id order."""
    for badge in earned:
        team_events.record(team_id, EVENT_KIND, actor=walker, badge=badge.kind, key=badge.key)


_AWARD_TEAM = text("""
    INSERT INTO badges (user_id, kind, key, data, earned_at)
    SELECT m.user_id, :kind, :key, CAST(:data AS jsonb), :now FROM memberships m
    WHERE m.team_id = :team_id AND m.left_at IS NULL
    ON CONFLICT ON CONSTRAINT uq_badges_user_id DO NOTHING
""")


def award_team(team_id: int, kind: BadgeKind, key: str, data: dict) -> None:
    """Give a team badge to every active member (flushed); one statement, once per walker."""
    params = {"team_id": team_id, "kind": kind.value, "key": key, "now": utcnow()}
    db.session.execute(_AWARD_TEAM, {**params, "data": json.dumps(data)})


def shown(user_id: int) -> list[Badge]:
    """The walker's badges for the profile, oldest first (withdrawn ones are not shown)."""
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.user_id == user_id, Badge.withdrawn_at.is_(None))
            .order_by(Badge.earned_at, Badge.id)
        )
    )


def name(kind: str, key: str, data: dict) -> str:
    """A badge's name, for the profile and the feed."""
    if kind == BadgeKind.FIRST_WALK:
        return "First walk"
    if kind == BadgeKind.DISTANCE:
        return f"{int(key) // 1000:,} km walked"
    if kind == BadgeKind.STREAK:
        return f"{key}-day streak"
    if kind == BadgeKind.MILESTONE:
        return f"Reached {data.get('waypoint', 'a milestone')}"
    if kind == BadgeKind.JOURNEY:
        return f"Finished {data.get('route', 'a journey')}"
    return "A badge"
