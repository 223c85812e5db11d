"""What one load scenario measured: latencies, rates, errors, and their percentiles."""

import math
from collections import Counter
from dataclasses import dataclass, field


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q`-th percentile (0 < q <= 100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


@dataclass
class LoadResult:
    """One scenario at a fixed arrival rate. Latencies are measured from each request's
    scheduled time, not from when it was sent, so a stalled client or server cannot hide
    the wait (no coordinated omission)."""

    scenario: str
    offered_rps: float
    duration_s: float
    latencies_s: list[float] = field(default_factory=list)  # successful responses only
    errors: Counter = field(default_factory=Counter)  # "HTTP 500", "timeout", ...
    elapsed_s: float = 0.0  # from the first scheduled request to the last answer

    @property
    def sent(self) -> int:
        return len(self.latencies_s) + sum(self.errors.values())

    @property
    def served_rps(self) -> float:
        return len(self.latencies_s) / self.elapsed_s if self.elapsed_s else 0.0

    def latency_ms(self, q: float) -> float:
        return percentile(self.latencies_s, q) * 1000

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())
