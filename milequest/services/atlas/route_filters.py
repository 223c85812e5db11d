"""The route picker's filters: by length (what a team can walk in a weekend, a season or a
year) and by region (catalog routes only; a walker's own routes have none)."""

from collections.abc import Iterable
from dataclasses import dataclass

from milequest.models import Route
from milequest.services.atlas.catalog import REGIONS


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    min_m: float
    max_m: float | None

    def fits(self, length_m: float | None) -> bool:
        if length_m is None:
            return False
        return self.min_m <= length_m and (self.max_m is None or length_m < self.max_m)


SCALES = {
    s.key: s
    for s in (
        Scale("weekend", "A weekend", 0, 250_000),
        Scale("season", "A season", 250_000, 2_500_000),
        Scale("year", "A year", 2_500_000, None),
    )
}


@dataclass(frozen=True)
class RouteFilter:
    scale: Scale | None = None
    region: str | None = None

    @classmethod
    def from_values(cls, values) -> "RouteFilter":
        """From a GET form's values; an unknown choice means no filter on it."""
        region = values.get("region")
        return cls(SCALES.get(values.get("scale", "")), region if region in REGIONS else None)

    @property
    def active(self) -> bool:
        return self.scale is not None or self.region is not None

    def apply(self, routes: Iterable[Route]) -> list[Route]:
        return [
            r
            for r in routes
            if (self.scale is None or self.scale.fits(r.length_m))
            and (self.region is None or r.region == self.region)
        ]
