"""Heavy calls leave gevent's loop free: other greenlets (requests, sockets) go on meanwhile."""

import subprocess
import sys
import textwrap

import pytest

from milequest.blocking import run_blocking

UNDER_GEVENT = textwrap.dedent("""
    from gevent import monkey

    monkey.patch_all()

    import gevent
    from argon2 import PasswordHasher
    from milequest.blocking import run_blocking

    hasher = PasswordHasher(time_cost=12)  # about half a second of CPU, GIL released
    ticks = []

    def ticker():
        while True:
            ticks.append(1)
            gevent.sleep(0.01)

    gevent.spawn(ticker)
    gevent.sleep(0)
    before = len(ticks)
    digest = run_blocking(hasher.hash, "a long walk")
    assert hasher.verify(digest, "a long walk")
    print(len(ticks) - before)
""")


def test_under_gevent_the_loop_keeps_serving_while_a_hash_is_computed():
    ran = subprocess.run(
        [sys.executable, "-c", UNDER_GEVENT], capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 0, ran.stderr
    assert int(ran.stdout) >= 5  # called in place, the ticker would not have run at all


def test_elsewhere_the_call_runs_in_place_and_errors_pass_through():
    assert run_blocking(sorted, [3, 1, 2]) == [1, 2, 3]
    with pytest.raises(ValueError):
        run_blocking(int, "not a number")
