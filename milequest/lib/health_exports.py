"""Read a phone health app's daily totals (Health Auto Export's REST JSON) into days.

The app posts `{"data": {"metrics": [{"name", "units", "data": [{"date", "qty"}...]}...]}}`
with one entry per day when set to aggregate by day. We read `step_count` and
`walking_running_distance` (km, mi or m); everything else is ignored.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from milequest.refusals import Refused

STEPS = "step_count"
DISTANCE = "walking_running_distance"
METRES_PER_UNIT = {"km": Decimal(1000), "mi": Decimal("1609.344"), "m": Decimal(1)}
MAX_DAYS = 400


class ExportUnreadable(Refused, ValueError):
    """The JSON is not a health export we can read; the message says what is wrong."""


@dataclass
class DayTotal:
    day: date
    steps: int | None = None
    distance_m: Decimal | None = None


def daily_totals(document) -> list[DayTotal]:
    """The days in the export, oldest first; several entries on one day are added up."""
    metrics = _metrics(document)
    days: dict[date, DayTotal] = {}
    for metric in metrics:
        name = metric.get("name") if isinstance(metric, dict) else None
        if name not in (STEPS, DISTANCE):
            continue
        per_unit = _unit(metric) if name == DISTANCE else Decimal(0)  # steps have no unit
        for entry in metric.get("data") or []:
            day, quantity = _entry(entry)
            total = days.setdefault(day, DayTotal(day))
            if name == STEPS:
                total.steps = (total.steps or 0) + int(quantity)
            else:
                total.distance_m = (total.distance_m or 0) + quantity * per_unit
    if len(days) > MAX_DAYS:
        raise ExportUnreadable(f"Send at most {MAX_DAYS} days at once.")
    return [days[d] for d in sorted(days)]


def _metrics(document) -> list:
    data = document.get("data") if isinstance(document, dict) else None
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, list):
        raise ExportUnreadable('Send {"data": {"metrics": [...]}}, as Health Auto Export does.')
    return metrics


def _unit(metric: dict) -> Decimal:
    unit = str(metric.get("units", "")).lower()
    if unit not in METRES_PER_UNIT:
        raise ExportUnreadable(f"Distances in {unit!r} cannot be read: use km, mi or m.")
    return METRES_PER_UNIT[unit]


def _entry(entry) -> tuple[date, Decimal]:
    """('2026-11-28 00:00:00 +0100', 1234) -> the day it names (local to the phone), 1234."""
    if not isinstance(entry, dict):
        raise ExportUnreadable("Each data entry is an object with a date and a qty.")
    try:
        day = datetime.strptime(str(entry.get("date", ""))[:10], "%Y-%m-%d").date()
        quantity = Decimal(str(entry.get("qty")))
    except (ValueError, InvalidOperation):
        raise ExportUnreadable(f"Cannot read the entry {str(entry)[:80]}.") from None
    if not quantity.is_finite() or quantity < 0 or quantity > 10**7:
        raise ExportUnreadable(f"{entry.get('qty')} is not a day's total.")
    return day, quantity
