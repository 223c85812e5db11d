"""Log, edit and delete a walker's activities; every change moves the counters in one transaction.

A client id (one per rendered form) makes a replayed or double-tapped log a no-op.
"""

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert

from milequest.extensions import db
from milequest.lib import metrics
from milequest.lib.text_checks import text_problem
from milequest.models import Activity, User
from milequest.models.activity import KINDS, MAX_DISTANCE_M, MAX_STEPS, ReviewStatus
from milequest.models.base import utcnow
from milequest.refusals import Refused
from milequest.services.achievements import badges
from milequest.services.core import counters, team_access, team_events
from milequest.services.core.commit_hooks import after_commit
from milequest.services.journeying import journeys
from milequest.services.walks import activity_kinds, plausibility

MILLIMETRE = Decimal("0.001")
METRES_PER = {"km": Decimal(1000), "mi": Decimal("1609.344")}
BACKDATE_DAYS = 14
# A file records when it happened: imports may reach further back (counting still follows the
# counting rule, so an old walk never moves a journey that started after it).
IMPORT_BACKDATE_DAYS = 366
# Older imports are history: in the walker's own list and stats, counted for no journey.
# Nothing before consumer GPS (a FIT file's zero timestamp reads as 31 Dec 1989).
HISTORY_FROM = date(1990, 1, 1)
NOTE_MAX = 500
MAX_DURATION_S = 7 * 24 * 3600
# Fastest plausible average speed per kind, in km/h.
MAX_SPEED_KMH = {
    "walk": 12,
    "hike": 12,
    "run": 30,
    "wheelchair": 40,
    "cycle": 80,
    "swim": 10,
    "row": 30,
    "other": 60,
}


class ActivityGone(Refused, LookupError):
    """The activity was deleted a moment ago (a double tap, another tab)."""


class ActivityInvalid(Refused, ValueError):
    """`problems` maps a field name to what is wrong with it, for the form."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class ActivityInput:
    distance_m: Decimal
    activity_date: date
    kind: str
    duration_s: int | None = None
    note: str = ""
    unit: str = "km"  # what the walker typed the distance in: problems are told in it
    steps: int | None = None  # when logged in steps: distance_m is these times the stride


def today_for(walker: User) -> date:
    """The date in the walker's time zone: the day a walk logged now counts for."""
    return walker.local_date(utcnow())


def in_unit(metres: Decimal, unit: str, *, places: int = 1, per_hour: bool = False) -> str:
    """`metres` for a message, in the walker's unit: "250 km", "155.3 miles", "40 mph"."""
    value = metres / METRES_PER.get(unit, METRES_PER["km"])
    number = f"{value:,.{places}f}".removesuffix(".0")
    if per_hour:
        return f"{number} {'mph' if unit == 'mi' else 'km/h'}"
    return f"{number} {'miles' if unit == 'mi' else 'km'}"


def check(
    data: ActivityInput, today: date, *, imported: bool = False, history: bool = False
) -> None:
    """Raise ActivityInvalid listing every problem with `data` (today is the walker's today).

    A typed speed above the kind's limit is refused (a typo); an imported one is held instead
    (see services/plausibility.py). History may be dated any day from HISTORY_FROM.
    """
    problems = {}
    backdate_days = IMPORT_BACKDATE_DAYS if imported else BACKDATE_DAYS
    if not (data.distance_m.is_finite() and 0 < data.distance_m <= MAX_DISTANCE_M):
        most = in_unit(Decimal(MAX_DISTANCE_M), data.unit)
        problems["distance"] = f"Enter a distance above 0 and at most {most}."
    if data.steps is not None and not 1 <= data.steps <= MAX_STEPS:
        problems["distance"] = f"Enter 1 to {MAX_STEPS:,} steps."
    if data.activity_date > today:
        problems["activity_date"] = "That date is in the future."
    elif history and data.activity_date < HISTORY_FROM:
        problems["activity_date"] = f"Activities can be imported from {HISTORY_FROM:%-d %B %Y} on."
    elif not history and data.activity_date < today - timedelta(days=backdate_days):
        problems["activity_date"] = f"Activities can be logged up to {backdate_days} days back."
    if data.kind not in KINDS:
        problems["kind"] = "Choose what kind of activity it was."
    elif data.steps is not None and not activity_kinds.takes_steps(data.kind):
        label = activity_kinds.label_of(data.kind).lower()
        problems["kind"] = f"Steps are for activities on foot: log a {label} in km or miles."
    if data.duration_s is not None and data.duration_s <= 0:
        problems["duration"] = "Enter a duration above 0, or leave it empty."
    elif data.duration_s is not None and data.duration_s > MAX_DURATION_S:
        problems["duration"] = "Enter a duration of at most 7 days."
    elif data.duration_s and "distance" not in problems and data.kind in KINDS and not imported:
        speed_kmh = float(data.distance_m) / 1000 / (data.duration_s / 3600)
        if speed_kmh > MAX_SPEED_KMH[data.kind]:
            speed = in_unit(Decimal(speed_kmh * 1000), data.unit, places=0, per_hour=True)
            problems["duration"] = (
                f"{speed} is too fast for a {data.kind}: check the distance or time."
            )
    note_problem = text_problem(data.note, max_length=NOTE_MAX)
    if note_problem:
        problems["note"] = note_problem
    if problems:
        raise ActivityInvalid(problems)


def log_activity(
    walker: User,
    client_id: uuid.UUID,
    data: ActivityInput,
    today: date,
    recorded: plausibility.Recorded | None = None,
) -> tuple[Activity, bool]:
    """Record an activity and count it. Returns (activity, created): a replay returns the first.

    An implausible one is stored "held" and counts only once a captain approves it.
    """
    logged = by_client_id(walker, client_id)
    if logged is not None:  # a replay answers as the first did, even once its date is too old
        return logged, False
    data = _to_millimetres(data)
    history = is_history(data.activity_date, today, recorded)
    check(data, today, imported=recorded is not None, history=history)
    counters.lock_walker(walker.id)
    held_because = []
    if not history:  # history waits for no captain: it counts for no team's journey
        held_because = plausibility.reasons(
            walker.id, data.kind, data.distance_m, data.duration_s, recorded
        )
    inserted = db.session.execute(
        insert(Activity)
        .values(
            user_id=walker.id,
            client_id=client_id,
            kind=data.kind,
            distance_m=data.distance_m,
            count_factor=activity_kinds.factor_of(data.kind),
            activity_date=data.activity_date,
            duration_s=data.duration_s,
            note=data.note.strip(),
            steps=data.steps,
            created_at=utcnow(),
            updated_at=utcnow(),
            review_status=ReviewStatus.HELD if held_because else ReviewStatus.OK,
            review_reason=" ".join(held_because),
            counts_for_journeys=not history,
            **_recorded_values(recorded),
        )
        .on_conflict_do_nothing(constraint="uq_activities_user_client")
        .returning(Activity.id)
    ).scalar_one_or_none()
    if inserted is None:  # logged by a parallel request a moment ago: the same answer
        parallel = by_client_id(walker, client_id)
        assert parallel is not None  # the row that took our client id
        return parallel, False
    activity = db.session.get_one(Activity, inserted)
    credits = _count(activity, +1)
    credited = {c.team_id for c in credits}
    earned = badges.recompute(walker.id) if activity.review_status == ReviewStatus.OK else []
    for team_id in sorted(credited | badges.teams_to_tell(walker.id, earned)):  # team order
        if team_id in credited:
            team_events.record(
                team_id,
                "activity_logged",
                actor=walker,
                activity_id=activity.id,
                distance_m=float(activity.distance_m),
                activity_kind=activity.kind,
                **_steps_said(activity),
                **activity_kinds.counted_said(activity),
            )
        badges.tell_team(team_id, walker, earned)
    journeys.announce_credits(credits, walker)
    after_commit(metrics.count_walk_logged)
    return activity, True


def _steps_said(activity: Activity) -> dict[str, Any]:
    """A walk logged in steps tells its team the steps too."""
    return {"steps": activity.steps} if activity.steps else {}


def is_history(day: date, today: date, recorded: plausibility.Recorded | None) -> bool:
    """An import dated before the import window: kept, but counted for no journey."""
    return recorded is not None and day < today - timedelta(days=IMPORT_BACKDATE_DAYS)


def earliest_date(activity: Activity, today: date) -> date:
    """The earliest date an edit may give this activity (what check() allows)."""
    if not activity.counts_for_journeys:
        return HISTORY_FROM
    days = IMPORT_BACKDATE_DAYS if activity.source == "import" else BACKDATE_DAYS
    return today - timedelta(days=days)


def edit_activity(activity: Activity, data: ActivityInput, today: date) -> Activity:
    """Change an activity, moving the counters from its current row. Raises ActivityGone.

    History stays history, whatever its new date: it was never counted for a journey.
    The activity keeps the factor it was logged with while its kind stays; a new kind counts
    with that kind's factor of today.
    """
    data = _to_millimetres(data)
    activity = _lock(activity)
    history = not activity.counts_for_journeys
    check(data, today, imported=activity.source == "import", history=history)
    factor = activity.count_factor
    if data.kind != activity.kind:
        factor = activity_kinds.factor_of(data.kind)
    if data.distance_m * factor > activity.distance_m * activity.count_factor:
        _refuse_growth_for_teams_left(activity)
    counters.lock_journeys(_credited(activity) | _credited(activity, data.activity_date))
    taken_back = _count(activity, -1)
    activity.distance_m, activity.activity_date = data.distance_m, data.activity_date
    activity.count_factor = factor
    activity.kind, activity.duration_s, activity.note = (
        data.kind,
        data.duration_s,
        data.note.strip(),
    )
    activity.steps = data.steps
    activity.updated_at = utcnow()
    held_because = []
    if not history:
        held_because = plausibility.reasons(
            activity.user_id, data.kind, data.distance_m, data.duration_s
        )
    if held_because and activity.review_status == ReviewStatus.OK:  # no slipping past a review
        activity.review_status = ReviewStatus.HELD
        activity.review_reason = " ".join(held_because)
    db.session.flush()
    db.session.expire(activity, ["counted_m"])  # computed from the columns just changed
    credits = _count(activity, +1)
    _tell_teams(taken_back + credits, activity, badges.recompute(activity.user_id))
    journeys.announce_credits(credits, activity.user)
    return activity


def delete_activity(activity: Activity) -> None:
    """Delete an activity and take back what it counted, once. Raises ActivityGone."""
    activity = _lock(activity)
    taken_back = _count(activity, -1)
    _tell_teams(taken_back, activity, badges.recompute(activity.user_id))
    db.session.delete(activity)
    db.session.flush()


PAGE_SIZE = 25
CSV_COLUMNS = (
    "date",
    "kind",
    "distance_m",
    "duration_s",
    "note",
    "status",
    "logged_at",
    "counts_for_journeys",  # false for history
    "counted_m",  # distance_m times the factor of its kind when it was logged
)


@dataclass(frozen=True)
class Page:
    activities: list[Activity]
    next_cursor: str | None  # `<date>:<id>` of the last row, when there are more


def page_of(walker: User, before: tuple[date, int] | None = None) -> Page:
    """The walker's activities, newest first, after a keyset cursor (no OFFSET scans)."""
    query = select(Activity).where(Activity.user_id == walker.id)
    if before is not None:
        query = query.where(tuple_(Activity.activity_date, Activity.id) < before)
    rows = list(
        db.session.scalars(
            query.order_by(Activity.activity_date.desc(), Activity.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cursor = f"{rows[-1].activity_date.isoformat()}:{rows[-1].id}" if more else None
    return Page(rows, cursor)


def csv_rows(walker: User) -> Iterator[tuple]:
    """Every activity of the walker, oldest first, as CSV rows (streamed from the database)."""
    query = (
        select(Activity)
        .where(Activity.user_id == walker.id)
        .order_by(Activity.activity_date, Activity.id)
        .execution_options(yield_per=500)
    )
    for a in db.session.scalars(query):
        yield (
            a.activity_date.isoformat(),
            a.kind,
            a.distance_m,
            a.duration_s or "",
            a.note,
            a.review_status,
            a.created_at.isoformat(),
            str(a.counts_for_journeys).lower(),
            a.counted_m,
        )


def csv_document(walker: User) -> str:
    """Every activity of the walker as a CSV file, with its header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(walker))
    return buffer.getvalue()


def owned_activity(activity_id: int, walker: User) -> Activity | None:
    activity = db.session.get(Activity, activity_id)
    return activity if activity is not None and activity.user_id == walker.id else None


def _to_millimetres(data: ActivityInput) -> ActivityInput:
    # Stored to the millimetre; counting the same rounded value keeps counters exact.
    distance_m = Decimal(data.distance_m)
    if not distance_m.is_finite() or abs(distance_m) > MAX_DISTANCE_M:
        return replace(data, distance_m=distance_m)  # check() refuses it; too big to round
    return replace(data, distance_m=distance_m.quantize(MILLIMETRE))


def _lock(activity: Activity) -> Activity:
    """The activity's current row, locked: changes start from it, never from a stale copy."""
    counters.lock_walker(activity.user_id)
    current = db.session.execute(
        select(Activity)
        .where(Activity.id == activity.id)
        .with_for_update(of=Activity)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if current is None:
        raise ActivityGone
    return current


def _recorded_values(recorded: plausibility.Recorded | None) -> dict:
    if recorded is None:
        return {}
    return {
        "source": "import",
        "track": recorded.track_ewkt,
        "started_at": recorded.started_at,
        "source_file_hash": recorded.file_hash,
    }


def by_client_id(walker: User, client_id: uuid.UUID) -> Activity | None:
    return db.session.scalar(
        select(Activity).where(Activity.user_id == walker.id, Activity.client_id == client_id)
    )


def _credited(activity: Activity, day: date | None = None) -> set[int]:
    """The journeys the activity counts for (as if dated `day`, when given)."""
    return set(counters.journeys_of(activity, day=day, review_status=ReviewStatus.OK))


def _refuse_growth_for_teams_left(activity: Activity) -> None:
    """A walk that counts for a team its walker has left may shrink there, never grow."""
    for team_id in counters.teams_of(activity):
        if team_access.active_membership(team_id, activity.user_id) is None:
            raise ActivityInvalid(
                {
                    "distance": "This walk counts for a team you have left: it can be made "
                    "to count less or deleted, not more. Log more distance as a new walk."
                }
            )


def _tell_teams(
    credits: list[counters.Credit], activity: Activity, earned: list[badges.Earned]
) -> None:
    """A quiet event (no feed line) that moves the teammates' live totals and leaderboards,
    and a feed line for each badge the change earned."""
    credited = {c.team_id for c in credits}
    walker = activity.user
    for team_id in sorted(credited | badges.teams_to_tell(walker.id, earned)):  # team order
        if team_id in credited:
            team_events.record(team_id, "activity_changed", actor=walker)
        badges.tell_team(team_id, walker, earned)


def _count(activity: Activity, sign: int) -> list[counters.Credit]:
    return counters.apply_activity(activity, sign)
