"""Plausibility checks for every activity, typed or imported: what makes one wait for a captain.

An activity with reasons is stored "held": it counts nowhere until a captain approves it.
Speeds above these (but below the typed form's hard limits) are possible, just unlikely.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity
from milequest.models.activity import ReviewStatus
from milequest.services.walks import tracks

# Fastest believable average speed per kind, in km/h; above it an activity is held.
HOLD_SPEED_KMH = {
    "walk": 8,
    "hike": 8,
    "run": 22,
    "wheelchair": 25,
    "cycle": 45,
    "swim": 7,
    "row": 22,
    "other": 45,
}
JUMP_M = 1000  # a gap between consecutive points longer than this may be a jump
JUMP_SPEED_FACTOR = 1.5


@dataclass(frozen=True)
class Recorded:
    """What a GPS file adds to an activity: start, track (EWKT, SRID 4326), the file's hash."""

    started_at: datetime
    file_hash: str
    track_ewkt: str | None = None
    point_times: tuple[datetime | None, ...] = ()


def reasons(
    user_id: int,
    kind: str,
    distance_m: Decimal,
    duration_s: int | None,
    recorded: Recorded | None = None,
) -> list[str]:
    """Why this activity looks implausible (empty when it does not)."""
    found = []
    if duration_s:
        speed_kmh = float(distance_m) / duration_s * 3.6
        if speed_kmh > HOLD_SPEED_KMH[kind]:
            found.append(f"An average of {speed_kmh:.1f} km/h is fast for a {kind}.")
    if recorded is None:
        return found
    if recorded.track_ewkt:
        jump_m = longest_jump_m(recorded, kind)
        if jump_m:
            found.append(f"The track jumps {jump_m / 1000:.1f} km between two points.")
    if overlapping(user_id, recorded.started_at, duration_s):
        found.append("It overlaps another of your activities in time.")
    return found


def longest_jump_m(recorded: Recorded, kind: str) -> float:
    """The longest gap between consecutive points that is too long to be walked (0 if none)."""
    if recorded.track_ewkt is None:
        return 0.0
    limit_mps = HOLD_SPEED_KMH[kind] * JUMP_SPEED_FACTOR / 3.6
    segments_m = [v.from_previous_m for v in tracks.vertices(recorded.track_ewkt)]
    times = recorded.point_times
    longest = 0.0
    for n, segment_m in enumerate(segments_m[1:], 1):
        if segment_m <= JUMP_M:
            continue
        before, after = (times[n - 1], times[n]) if n < len(times) else (None, None)
        seconds = (after - before).total_seconds() if before and after else 0
        if seconds <= 0 or segment_m / seconds > limit_mps:
            longest = max(longest, segment_m)
    return longest


def overlapping(
    user_id: int, started_at: datetime, duration_s: int | None, exclude_id: int | None = None
) -> list[Activity]:
    """The walker's activities (not rejected) whose recorded time overlaps this one."""
    ended_at = started_at + timedelta(seconds=max(duration_s or 0, 1))
    other_end = Activity.started_at + func.make_interval(
        0, 0, 0, 0, 0, 0, func.greatest(func.coalesce(Activity.duration_s, 0), 1)
    )
    query = select(Activity).where(
        Activity.user_id == user_id,
        Activity.review_status != ReviewStatus.REJECTED,
        Activity.started_at < ended_at,
        other_end > started_at,
    )
    if exclude_id is not None:
        query = query.where(Activity.id != exclude_id)
    return list(db.session.scalars(query))
