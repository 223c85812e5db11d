"""The conversion table (milequest/data/activity_kinds.json; its README says where each factor
comes from): how far a kilometre of each kind of activity counts.

An activity keeps the factor it was logged with (`Activity.count_factor`), so a change to the
table counts new activities differently and never rewrites what was counted before.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from milequest.models import Activity
from milequest.models.activity import KINDS, counted

KINDS_FILE = Path(__file__).resolve().parents[2] / "data" / "activity_kinds.json"


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    says: str


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    factor: Decimal  # a metre of this kind counts this many metres
    steps: bool  # whether it may be logged in steps (on foot)
    sources: tuple[Source, ...]

    @property
    def converted(self) -> bool:
        return self.factor != 1


@cache
def table() -> dict[str, Kind]:
    """Every kind in the order the form lists them (the model's KINDS)."""
    data = json.loads(KINDS_FILE.read_text())
    sources = {key: Source(key, **value) for key, value in data["sources"].items()}
    kinds = {
        entry["kind"]: Kind(
            entry["kind"],
            entry["label"],
            Decimal(entry["factor"]),
            entry["steps"],
            tuple(sources[key] for key in entry["sources"]),
        )
        for entry in data["kinds"]
    }
    return {kind: kinds[kind] for kind in KINDS}


def factor_of(kind: str) -> Decimal:
    """Today's factor of `kind` (1 for a kind the table does not know)."""
    entry = table().get(kind)
    return entry.factor if entry is not None else Decimal(1)


def label_of(kind: str) -> str:
    entry = table().get(kind)
    return entry.label if entry is not None else kind.capitalize()


def takes_steps(kind: str) -> bool:
    entry = table().get(kind)
    return entry is None or entry.steps


def counted_said(activity: Activity) -> dict[str, Any]:
    """A converted kind tells its team what it counted too: "12 km (cycle) · counts 4 km"."""
    if activity.count_factor == 1:
        return {}
    return {"counted_m": float(counted(activity.distance_m, activity.count_factor))}
