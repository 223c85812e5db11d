"""A phone health app's daily totals become activities: one per walker, source and day.

The source's total for a day is the truth: a re-post updates that day's activity (or deletes
it at zero) instead of adding one. The day's client id is derived from the source and the day,
so the log's own unique key makes parallel posts of one day log it once.
Steps become metres with the walker's stride (their profile; STRIDE_M when they set none).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from milequest.lib.health_exports import DayTotal
from milequest.models import Activity, User
from milequest.models.user import DEFAULT_STRIDE_CM
from milequest.services.walks import activities

STRIDE_M = Decimal(DEFAULT_STRIDE_CM) / 100
SOURCE_NAMESPACE = uuid.UUID("0f8d6e1c-5a43-4a0e-9a55-3f1b7f0c2d11")


@dataclass(frozen=True)
class DayOutcome:
    day: date
    outcome: str  # created, updated, unchanged, deleted, skipped (nothing to log), refused
    activity: Activity | None = None
    problems: dict[str, str] | None = None


def distance_of(total: DayTotal, stride_m: Decimal = STRIDE_M) -> Decimal:
    """The app's distance when it sent one, else its steps times the stride."""
    if total.distance_m is not None:
        return total.distance_m
    return Decimal(total.steps or 0) * stride_m


def client_id_for(source: str, day: date) -> uuid.UUID:
    return uuid.uuid5(SOURCE_NAMESPACE, f"{source}:{day.isoformat()}")


def record_day(walker: User, source: str, total: DayTotal, today: date) -> DayOutcome:
    """Log, update or delete the day's activity from `source`. Raises ActivityInvalid."""
    client_id = client_id_for(source, total.day)
    distance_m = distance_of(total, walker.stride_m).quantize(activities.MILLIMETRE)
    existing = activities.by_client_id(walker, client_id)
    if distance_m <= 0:
        if existing is None:
            return DayOutcome(total.day, "skipped")
        activities.delete_activity(existing)
        return DayOutcome(total.day, "deleted")
    data = activities.ActivityInput(
        distance_m=distance_m,
        activity_date=total.day,
        kind="walk",
        note=_note(source, total),
        unit=walker.units,
    )
    activity, created = activities.log_activity(walker, client_id, data, today)
    if created:
        return DayOutcome(total.day, "created", activity)
    if activity.distance_m == distance_m and activity.note == data.note:
        return DayOutcome(total.day, "unchanged", activity)
    return DayOutcome(total.day, "updated", activities.edit_activity(activity, data, today))


def _note(source: str, total: DayTotal) -> str:
    steps = f", {total.steps:,} steps" if total.steps else ""
    return f"Daily total from {source}{steps}"
