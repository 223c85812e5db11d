"""The API's resources as pydantic models: they document the responses (OpenAPI 3.1 is JSON
Schema 2020-12, which pydantic writes natively) and name the fields `?fields=` may pick.

Any field may be left out of a response by `?fields=`, so none is listed as required.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _none_required(schema: dict) -> None:
    schema.pop("required", None)


class Resource(BaseModel):
    model_config = ConfigDict(json_schema_extra=_none_required)


class Me(Resource):
    id: int
    display_name: str
    email: str
    units: Literal["km", "mi"]
    timezone: str


class DailyStreak(Resource):
    days: int = Field(description="Walked days in the streak alive now (0: none)")
    walked_today: bool
    at_risk: bool = Field(description="Missing today would end it")
    rest_day_free: bool = Field(description="One missed day would be forgiven now")


class Badge(Resource):
    kind: Literal["first_walk", "distance", "streak", "milestone", "journey"]
    key: str
    name: str
    earned_at: datetime


class Achievements(Resource):
    weekly_goal_m: int | None = Field(description="Monday to Sunday in my time zone; null: none")
    this_week_m: float
    goal_percent: float = Field(description="0 to 100 (0 without a goal)")
    all_time_m: float
    daily_streak: DailyStreak
    weekly_streak_weeks: int = Field(description="Weeks in a row that reached the goal")
    badges: list[Badge]


class WeeklyGoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekly_goal_m: int | None = Field(ge=1, le=1_000_000, description="Metres; null clears it")


class Team(Resource):
    id: int
    name: str
    description: str
    is_public: bool
    member_count: int
    member_limit: int
    archived: bool
    is_member: bool


class TeamList(Resource):
    items: list[Team]


class Position(Resource):
    lon: float
    lat: float
    at_end: bool


class Progress(Resource):
    distance_m: float
    length_m: float
    remaining_m: float
    percent: float
    position: Position


class NextMilestone(Resource):
    name: str
    distance_to_m: float


class RouteRef(Resource):
    id: int
    name: str


class Journey(Resource):
    id: int
    status: str
    started_on: date | None
    route: RouteRef
    progress: Progress
    next_milestone: NextMilestone | None


class Member(Resource):
    user_id: int
    display_name: str
    role: Literal["captain", "member"]
    joined_on: date


class TeamDetail(Team):
    journey: Journey | None
    members: list[Member] | None


class Standing(Resource):
    user_id: int
    display_name: str
    distance_m: float
    active_days: int
    is_former: bool


class Leaderboard(Resource):
    journey_id: int | None
    items: list[Standing]


class Person(Resource):
    id: int
    display_name: str


class Event(Resource):
    id: int
    kind: str
    created_at: datetime
    actor: Person | None
    subject: Person | None
    data: dict[str, Any]


class EventList(Resource):
    items: list[Event]
    next_cursor: str | None


class Activity(Resource):
    id: int
    client_id: str
    kind: str
    distance_m: float
    activity_date: date
    duration_s: int | None
    steps: int | None = Field(description="When logged in steps (distance_m: steps x stride)")
    counted_m: float = Field(
        description="What it counts for journeys, goals and badges: distance_m times the "
        "factor of its kind when it was logged (1 for walk, run, hike, wheelchair, other)"
    )
    count_factor: float
    note: str
    source: str
    review_status: Literal["ok", "held", "rejected"]
    counts_for_journeys: bool
    created_at: datetime
    updated_at: datetime


class ActivityList(Resource):
    items: list[Activity]
    next_cursor: str | None


class Waypoint(Resource):
    name: str
    distance_m: float | None


class Route(Resource):
    id: int
    name: str
    description: str
    status: str
    length_m: float | None
    waypoints: list[Waypoint]


class RouteList(Resource):
    items: list[Route]


class LineString(BaseModel):
    type: Literal["LineString"]
    coordinates: list[list[float]]


class RouteFeature(BaseModel):
    """A GeoJSON Feature (RFC 7946): the route's line, [lon, lat] pairs."""

    type: Literal["Feature"]
    geometry: LineString | None
    properties: dict[str, Any]


class Place(Resource):
    id: int
    name: str
    label: str
    lon: float
    lat: float
    population: int | None
    distance_m: float | None


class PlaceList(Resource):
    items: list[Place]


class ImportFile(Resource):
    filename: str
    status: str
    message: str
    imported_count: int


class ImportProgress(Resource):
    files: int
    done: int
    activities: int
    skipped: int
    not_imported: int
    percent: int


class ImportBatch(Resource):
    batch_id: str
    done: bool
    progress: ImportProgress
    files: list[ImportFile]


class DayResult(Resource):
    date: date
    outcome: Literal["created", "updated", "unchanged", "deleted", "skipped", "refused"]
    activity_id: int | None
    distance_m: float | None
    problems: dict[str, str] | None


class IngestResult(Resource):
    source: str
    days: list[DayResult]


# Requests: what a client sends. Loose types on purpose: the forms' own checks give the same
# words as the pages (a pydantic message only for a JSON value of the wrong kind).

Scalar = str | int | float | None


class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    distance: Scalar = Field(
        None, description="In `unit`, like the log form: 3.5 (km, mi) or 8000 (steps)"
    )
    unit: Literal["km", "mi", "steps"] | None = Field(
        None,
        description="Default: the walker's units. Steps (1 to 100,000) count the walker's "
        "stride each (their profile; 0.76 m if unset).",
    )
    activity_date: Scalar = Field(None, description="YYYY-MM-DD; default: today.")
    kind: Scalar = Field(
        None,
        description="walk, run, hike, wheelchair, cycle, swim, row or other (default walk); "
        "see /activity-kinds for what each counts",
    )
    duration_minutes: Scalar = None
    note: str | None = None
    client_id: str | None = Field(
        None, description="A UUID; the same one twice logs once (or send Idempotency-Key)."
    )


class ActivityPatch(ActivityIn):
    pass


class ActivityListQuery(BaseModel):
    fields: str | None = None
    cursor: str | None = Field(None, description="next_cursor of the page before")


class EventQuery(BaseModel):
    fields: str | None = None
    cursor: str | None = Field(None, description="next_cursor of the page before (older)")
    after: int | None = Field(
        None, ge=0, le=2**62, description="Events after this id, oldest first (to follow)."
    )


class PlaceQuery(BaseModel):
    q: str = Field(min_length=2, max_length=60)
    fields: str | None = None


class ImportUpload(BaseModel):
    files: list[bytes] = Field(description="GPX, TCX or FIT files, or a zip of them")


class HealthQuery(BaseModel):
    source: str = Field("health-app", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 ._-]+$")
