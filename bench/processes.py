"""The production-like processes under load: `web` (gunicorn) and `worker` (Celery) from the
Procfile, started by honcho exactly as `make run` does, and the floor app (bench/floor.py) on
the same gunicorn settings; logs to var/bench/processes.log.
"""

import os
import signal
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from devservices.local import wait_until

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "var" / "bench" / "processes.log"
# The bench logs a few hundred walkers in from one address: the per-IP limits would refuse it.
BENCH_ENV = {
    "HOST": "127.0.0.1",
    "MILEQUEST_RATELIMIT_LOGIN": "100000 per minute",
    "MILEQUEST_RATELIMIT_LOGIN_ACCOUNT": "100000 per minute",
    "GUNICORN_CMD_ARGS": "--graceful-timeout 5",  # stopped between runs: drop what is queued
}


def running(port: int, ready_timeout_s: float = 60.0):
    """Start web + worker on `port`; stop them (honcho stops its children) on exit."""
    honcho = str(ROOT / ".venv" / "bin" / "honcho")
    command = [honcho, "--procfile", "Procfile", "start", "--port", str(port), "web", "worker"]
    return _started(command, {}, f"http://127.0.0.1:{port}/readyz", ready_timeout_s)


def floor_running(port: int, ready_timeout_s: float = 60.0):
    """Start the floor app (bench/floor.py) on `port` with the `web` process's gunicorn settings."""
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    command = [gunicorn, "--config", "gunicorn.conf.py", "bench.floor:app"]
    return _started(command, {"PORT": str(port)}, f"http://127.0.0.1:{port}/floor", ready_timeout_s)


@contextmanager
def _started(command: list[str], extra_env: dict, ready_url: str, ready_timeout_s: float):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **BENCH_ENV,
        **extra_env,
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    with LOG.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(ready_url, process, ready_timeout_s)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the processes exited early: see {LOG}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    if not wait_until(ready, timeout_s, every_s=0.5):
        raise RuntimeError(f"{url} not ready after {timeout_s:.0f} s: see {LOG}")
