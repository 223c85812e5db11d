"""Capacity against the floor: the closed loop, the ratio table, and the flame summaries."""

import asyncio

from bench import profiles, report
from bench.loadgen import closed_loop
from bench.stats import LoadResult


def test_a_closed_loop_keeps_each_connection_busy_with_one_request():
    in_flight, most = 0, 0

    async def send(walker, i):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        return 503 if i % 10 == 0 else 200

    result = asyncio.run(closed_loop("c", [None], send, connections=4, duration_s=0.05))

    assert most == 4
    assert result.sent > 40
    assert result.errors["HTTP 503"] == result.sent // 10 + (result.sent % 10 > 0)


def _run(name: str, served: int) -> LoadResult:
    return LoadResult(name, 0, 10, latencies_s=[0.01] * served * 10, elapsed_s=10.0)


def test_each_scenario_is_reported_against_the_floor_measured_around_it():
    runs = [
        _run("floor", 900),
        _run("team_page", 550),
        _run("floor", 1100),
        _run("log_activity", 200),
        _run("floor", 700),
    ]

    text = report.markdown(report.Report(command="make bench", capacities=runs))

    assert "| team_page | 550 | 1000 | 0.55 |" in text
    assert "| log_activity | 200 | 900 | 0.22 |" in text
    assert "Floor runs, in order: 900, 1100, 700 req/s." in text
    assert "| Team page >= 0.5x the floor | 0.55x (550 vs 1000 req/s): met |" in text
    assert "| Log activity (POST + redirect) >= 0.25x the floor | 0.22x" in text
    assert "0.22x (200 vs 900 req/s): missed |" in text
    assert "| Dashboard >= 0.5x the floor | not run |" in text
    assert "| Mixed: no errors at 300 req/s (open loop) | not run |" in text


def test_the_mixed_profile_at_300_per_second_reports_its_errors():
    at_300 = LoadResult("mixed", 300, 20, latencies_s=[0.02] * 5990, elapsed_s=20.0)
    at_300.errors["timeout"] = 10

    text = report.markdown(report.Report(command="make bench", mixed_at_300=at_300))

    row = "| Mixed: no errors at 300 req/s (open loop) | 10 errors of 6000 requests"
    assert f"{row} (served 300 req/s, p95 20.0 ms) |" in text


def test_a_flame_summary_names_the_leaf_frames_and_the_apps_own_frames():
    folded = "\n".join(
        [
            "process 1:main;Flask.wsgi_app (flask/app.py);show (milequest/blueprints/teams.py);"
            "render (jinja2/environment.py) 30",
            "process 1:main;Flask.wsgi_app (flask/app.py);show (milequest/blueprints/teams.py);"
            "load (milequest/services/teams.py);execute (psycopg2/extras.py) 10",
            "process 1:main;wait (gevent/hub.py) 60",
        ]
    )

    lines = profiles.summary(folded, top=2)

    assert lines[0] == "40 samples in requests (100 in all); own time (leaf frames):"
    assert lines[1:3] == [
        " 75.0%  render (jinja2/environment.py)",
        " 25.0%  execute (psycopg2/extras.py)",
    ]
    assert lines[4:6] == [
        "100.0%  show (milequest/blueprints/teams.py)",
        " 25.0%  load (milequest/services/teams.py)",
    ]


def test_costs_are_reported_against_the_floor_measured_the_same_way():
    from bench.costs import Cost

    measured = [
        Cost("floor", 20, 1.0, 1.0, 2.0, instructions=2_000_000),
        Cost("team_page", 20, 1.0, 4.0, 9.0, instructions=8_000_000),
        Cost("log_activity", 20, 18.0, 20.0, 40.0),
    ]

    text = report.markdown(report.Report(command="make bench", costs=measured))

    assert "| team_page | 1.0 | 4.00 | 0.25 | 8.0 M | 0.25 | 9.0 |" in text
    assert "| log_activity | 18.0 | 20.00 | 0.05 | - | - | 40.0 |" in text
