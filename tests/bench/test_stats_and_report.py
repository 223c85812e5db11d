"""Percentiles, the open-loop timing, and the BENCHMARKS.md tables."""

import asyncio
import math
import time
from collections import Counter

import pytest

from bench import report
from bench.loadgen import open_loop
from bench.stats import LoadResult, percentile
from bench.weight import Weight, subresources


def test_nearest_rank_percentiles():
    values = [float(n) for n in range(100, 0, -1)]  # 100 .. 1, unsorted on purpose

    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_a_stalled_client_cannot_hide_the_wait():
    """Requests scheduled while the client was stuck count the stall in their latency."""
    calls = []

    async def send(walker, i):
        calls.append(i)
        if i == 0:
            time.sleep(0.3)  # the whole client stalls, as a closed-loop client would wait
        return 200

    result = asyncio.run(open_loop("stall", [None], send, rate_rps=100, duration_s=0.5))

    assert len(calls) == result.sent == 50 and result.error_count == 0
    # The first request waited 300 ms; those scheduled behind it waited up to that long too.
    assert max(result.latencies_s) >= 0.29 and percentile(result.latencies_s, 95) > 0.25
    assert result.served_rps == pytest.approx(50 / result.elapsed_s)


def test_errors_are_counted_by_kind_and_not_timed():
    async def send(walker, i):
        return 500 if i % 5 == 0 else 200

    result = asyncio.run(open_loop("errors", [None], send, rate_rps=200, duration_s=0.1))

    assert result.errors == Counter({"HTTP 500": 4})
    assert len(result.latencies_s) == 16


def test_the_report_tables_show_rates_percentiles_and_weights():
    load = LoadResult(
        "team_page",
        200,
        20,
        latencies_s=[0.010] * 95 + [0.080] * 5,
        errors=Counter({"timeout": 2}),
        elapsed_s=20.0,
    )
    weight = Weight("/teams/1")
    weight.add("HTML", b"<html>" + b"walk " * 2000 + b"</html>")
    weight.add("JS", b"function(){}" * 100)
    out = report.Report(
        command="make bench",
        loads=[load],
        weights=[weight],
        goals={"team_page": "p95 <= 50 ms at 200/s"},
    )

    text = report.markdown(out)

    assert (
        "| team_page | 200 | 5 | 10.0 | 10.0 | 80.0 | 2 timeout | p95 <= 50 ms at 200/s |" in text
    )
    assert "| /teams/1 | 2 |" in text
    assert (
        "| Import of a 10,000-point GPX file (services/imports.run_import) | - | not run |" in text
    )


def test_a_first_visit_fetches_stylesheets_scripts_and_icons_once():
    html = """<link rel="icon" href="/static/i.svg"><link rel="stylesheet" href="/static/a.css">
    <script src="/static/h.js" defer></script><script>inline()</script>
    <img src="data:image/png;base64,xx"><link rel="stylesheet" href="/static/a.css">"""

    assert subresources(html) == [
        ("other", "/static/i.svg"),
        ("CSS", "/static/a.css"),
        ("JS", "/static/h.js"),
    ]
