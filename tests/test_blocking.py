"""Heavy calls leave gevent's loop free: other greenlets (requests, sockets) go on meanwhile."""

import subprocess
import sys
import textwrap

import pytest

from milequest.blocking import run_blocking
from milequest.extensions import db
from tests.factories import make_user
from tests.live_servers import Browser, web_processes

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


QUIET_REFUSALS = textwrap.dedent("""
    from gevent import monkey

    monkey.patch_all()

    import logging
    import traceback

    from argon2 import PasswordHasher
    from argon2.exceptions import VerifyMismatchError
    from milequest.blocking import run_blocking

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    hasher = PasswordHasher(time_cost=1, memory_cost=64)
    digest = hasher.hash("the right one")
    try:
        run_blocking(hasher.verify, digest, "a wrong one", refusals=(VerifyMismatchError,))
    except VerifyMismatchError:
        print("refused")

    def broken_decoder():
        raise RuntimeError("a bug")

    try:
        run_blocking(broken_decoder, refusals=(VerifyMismatchError,))
    except RuntimeError as error:
        print(traceback.extract_tb(error.__traceback__)[-1].name)
""")


def test_an_expected_refusal_is_one_info_line_and_a_bug_keeps_its_traceback():
    ran = subprocess.run(
        [sys.executable, "-c", QUIET_REFUSALS], capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["refused", "broken_decoder"]  # raised where it went wrong
    assert "Traceback" not in ran.stderr  # gevent's pool printed one for each before
    assert ran.stderr.splitlines() == [
        "INFO milequest.blocking argon2._password_hasher.PasswordHasher.verify refused: "
        "VerifyMismatchError (The password does not match the supplied hash)"
    ]


@pytest.mark.committing
def test_a_failed_log_in_on_the_real_web_server_writes_no_traceback(app, tmp_path):
    walker = make_user()
    db.session.commit()

    with web_processes(app, 1, tmp_path) as (url,):
        browser = Browser(url)
        wrong = {"email": walker.email, "password": "not the password"}
        status = browser.submit("/login", wrong, browser.csrf_token("/login"))

    web_log = (tmp_path / "web-0.log").read_text()
    assert status == 422
    assert "Traceback" not in web_log and "VerifyMismatchError" not in web_log
