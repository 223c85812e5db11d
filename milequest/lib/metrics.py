"""Prometheus metrics that processes count as they work, and their text exposition.

Every process that shares `PROMETHEUS_MULTIPROC_DIR` (gunicorn's workers, Celery's worker
children and beat on one machine) writes its values to files there, and a scrape adds them up
(prometheus_client's multiprocess mode; the variable must be set before this module is first
imported). Without it, a scrape shows this process alone. Labels are closed sets (a URL rule,
never a path; a queue; an outcome) so that no client can grow the series without bound.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

# The 0.3 s bucket is the design's p95 target (alerts.yml).
LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
TASK_BUCKETS_S = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

REQUESTS = Counter(
    "milequest_http_requests",
    "HTTP requests answered, by URL rule and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "milequest_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL rule.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS_S,
)
OPEN_SOCKETS = Gauge(
    "milequest_live_sockets_open",
    "Live-update WebSockets open now.",
    multiprocess_mode="livesum",
)
FANOUT_SECONDS = Histogram(
    "milequest_live_fanout_seconds",
    "From a team event's commit notice to its messages handed to this process's sockets.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
TASKS = Counter(
    "milequest_tasks",
    "Celery tasks finished, by queue, task name and outcome (succeeded, failed, retried).",
    ["queue", "task", "outcome"],
)
TASK_SECONDS = Histogram(
    "milequest_task_duration_seconds",
    "Time a Celery task ran, by queue and task name.",
    ["queue", "task"],
    buckets=TASK_BUCKETS_S,
)
WALKS_LOGGED = Counter("milequest_walks_logged", "Activities logged (replays not counted).")
SIGN_UPS = Counter("milequest_sign_ups", "Accounts created.")


def count_walk_logged() -> None:
    WALKS_LOGGED.inc()


def count_sign_up() -> None:
    SIGN_UPS.inc()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class ReadingsCollector(Collector):
    """Gauges read at the scrape: `readings` have .name, .help, .value and .labels (a dict)."""

    def __init__(self, readings) -> None:
        self._readings = list(readings)

    def collect(self) -> list[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for reading in self._readings:
            family = families.get(reading.name)
            if family is None:
                family = families[reading.name] = GaugeMetricFamily(
                    reading.name, reading.help, labels=sorted(reading.labels)
                )
            family.add_metric([reading.labels[k] for k in sorted(reading.labels)], reading.value)
        return list(families.values())


def _every_process() -> CollectorRegistry:
    """Every process's metrics (multiprocess mode), or this process's alone."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(*state: Collector) -> tuple[bytes, str]:
    """The text format of every process's metrics plus `state` (read now, at the scrape)."""
    text = generate_latest(_every_process())
    if state:
        now = CollectorRegistry()
        for collector in state:
            now.register(collector)
        text += generate_latest(now)
    return text, CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """Forget a finished process's live gauges (its counters stay in the sums)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def process_totals() -> dict[str, float]:
    """What the processes counted since they started, summed: the operator console's figures.

    sockets_open, requests, server_errors (5xx answers), tasks_failed.
    """
    totals = dict.fromkeys(("sockets_open", "requests", "server_errors", "tasks_failed"), 0.0)
    for family in _every_process().collect():
        for sample in family.samples:
            if sample.name == "milequest_live_sockets_open":
                totals["sockets_open"] += sample.value
            elif sample.name == "milequest_http_requests_total":
                totals["requests"] += sample.value
                if sample.labels.get("status", "").startswith("5"):
                    totals["server_errors"] += sample.value
            elif sample.name == "milequest_tasks_total" and sample.labels["outcome"] == "failed":
                totals["tasks_failed"] += sample.value
    return totals
