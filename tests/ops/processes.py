"""The production process types, started as the Procfile starts them, sharing one metrics
directory: gunicorn (`web`, two workers), a Celery worker and beat; their output in files."""

import os
import signal
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from milequest.config import QUEUES, ROOT
from tests.live_servers import free_port, wait_until_up

METRICS_TOKEN = "scrape-token-for-tests-0192"


@dataclass
class Stack:
    url: str
    log_dir: Path
    mail_dir: Path

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))


def environment(app, tmp_path: Path) -> dict:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MILEQUEST_MAIL_DIR": str(tmp_path / "mail"),
        "MILEQUEST_PHOTO_STORAGE_DIR": str(tmp_path / "photos"),
        "MILEQUEST_METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "TZ": "UTC",
    }


@contextmanager
def _process(command: list[str], env: dict, log_path: Path):
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM if "celery" in command[0] else signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_stack(app, tmp_path: Path, *, beat: bool = False):
    env = environment(app, tmp_path)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    bin_dir = Path(sys.executable).parent
    port = free_port()
    celery = [str(bin_dir / "celery"), "-A", "celery_app:celery"]
    with ExitStack() as stack:
        web = stack.enter_context(
            _process(
                [str(bin_dir / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
                {**env, "PORT": str(port)},
                log_dir / "web.log",
            )
        )
        worker_options = ["--concurrency", "1", "--without-gossip", "--without-mingle"]
        stack.enter_context(
            _process(
                [*celery, "worker", "--queues", ",".join(QUEUES), *worker_options],
                env,
                log_dir / "worker.log",
            )
        )
        if beat:
            schedule = str(tmp_path / "celerybeat-schedule")
            stack.enter_context(
                _process([*celery, "beat", "--schedule", schedule], env, log_dir / "beat.log")
            )
        url = f"http://127.0.0.1:{port}"
        wait_until_up(web, url, timeout_s=120)  # two workers importing the app on a busy machine
        yield Stack(url, log_dir, tmp_path / "mail")
