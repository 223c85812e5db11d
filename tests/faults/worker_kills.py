"""What the worker-kill test drives: a supervisor that starts, SIGKILLs and restarts the
Procfile's `worker` processes, the broker's idle check, the beat sweeps, and the emails the file
backend really delivered."""

import email
import os
import re
import signal
import subprocess
from collections import Counter
from datetime import timedelta
from email import policy
from pathlib import Path

import redis

from milequest.config import QUEUES, ROOT
from milequest.extensions import db
from milequest.lib import task_queue
from milequest.services.atlas import routes
from milequest.services.core import emails
from milequest.services.gallery import photos
from milequest.services.gps_imports import imports
from milequest.services.notifications import delivery, team_news
from milequest.services.walkers import account_deletion, data_exports
from tests.live_servers import _process_env, procfile_command

# As tests/workers/test_photos.py: a killed worker's unacknowledged tasks are handed out again
# after seconds, not production's 15 minutes (a task still running past it runs twice: fine,
# every task is idempotent, and that is tested too).
SHORT_VISIBILITY = (
    '{"visibility_timeout": 10, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}'
)


class Workers:
    """The Procfile's `worker` processes (every queue), restarted as a supervisor would."""

    def __init__(self, app, log_dir: Path, count: int, **env_extra: str) -> None:
        self.env = {
            "WORKER_CONCURRENCY": "1",
            "MILEQUEST_CELERY__broker_transport_options": SHORT_VISIBILITY,
            **_process_env(app, log_dir, env_extra),
        }
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen | None] = [None] * count
        self.starts = [0] * count
        self.offsets = [0] * count  # where each process's own lines start in its log
        self.kills: list[tuple[str, list[str]]] = []  # (what, the tasks it interrupted)
        self.restarts = 0  # workers that exited by themselves and were started again

    def start(self, n: int) -> None:
        self.starts[n] += 1
        log = self.log_path(n).open("ab")
        self.offsets[n] = log.tell()
        self.processes[n] = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command('worker')} -n w{n}-{self.starts[n]}@%h"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its pool too
        )
        log.close()

    def log_path(self, n: int) -> Path:
        return self.log_dir / f"worker-{n}.log"

    def start_all(self) -> None:
        for n in range(len(self.processes)):
            self.start(n)

    def revive(self) -> None:
        """Restart a worker that exited by itself: Celery gives up ("Could not start worker
        processes") when a pool child is killed as it starts, and its supervisor restarts it."""
        for n, process in enumerate(self.processes):
            if process is not None and process.poll() is not None:
                self.restarts += 1
                self.start(n)

    def kill(self, n: int, whole: bool) -> None:
        """SIGKILL worker `n`: its whole process group (then restart it), or one pool child
        (its parent replaces the child and requeues the task: reject_on_worker_lost)."""
        self.revive()
        process = self.processes[n]
        assert process is not None
        children = _children(process.pid)
        if whole or not children:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            self.kills.append((f"worker {n} (group)", self._interrupted(n)))
            self.start(n)
        else:
            os.kill(children[0], signal.SIGKILL)
            self.kills.append((f"worker {n} pool child", self._interrupted(n)))

    def _interrupted(self, n: int) -> list[str]:
        return unfinished_tasks(self.log_path(n).read_bytes()[self.offsets[n] :])

    def stop_all(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def log_texts(self) -> list[bytes]:
        return [self.log_path(n).read_bytes() for n in range(len(self.processes))]

    def logs(self) -> str:
        return "\n".join(self.log_path(n).read_text()[-3000:] for n in range(len(self.processes)))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def broker_idle(app) -> bool:
    """Nothing queued and nothing delivered but unacknowledged (acks late: nothing running)."""
    broker = redis.Redis.from_url(app.config["REDIS_URL"])
    return not any(broker.llen(queue) for queue in QUEUES) and not broker.hlen("unacked")


def run_sweeps() -> Counter:
    """What beat's sweeps send, without their waits (production waits minutes to be sure a job
    is lost; here the broker is idle, so whatever is not final was lost). Returns how many
    lost jobs of each kind they sent again; the last hour's notifying events are re-run every
    time, as in production, and not counted."""
    lost: Counter = Counter()
    stuck_imports = imports.stuck_import_ids(older_than=timedelta(0))
    stuck_routes = routes.stuck_route_ids(older_than=timedelta(0))
    stuck_photos = photos.stuck_photo_ids(older_than=timedelta(0))
    lost["moderation"] = sum(photos.requeue_stuck(photo_id) for photo_id in stuck_photos)
    stuck_exports = data_exports.stuck_export_ids(older_than=timedelta(0))
    due_deletions = account_deletion.due_account_ids()
    db.session.commit()  # the photos' requeue is sent after this commit
    due_notifications = delivery.due_ids()
    unsent = emails.unsent_email_ids(older_than=timedelta(0))
    db.session.rollback()
    for ids, send, kind in (
        (stuck_imports, imports.enqueue, "import"),
        (stuck_routes, routes.enqueue_build, "route build"),
        (stuck_exports, data_exports.enqueue, "data export"),
        (due_deletions, _send_deletion, "account deletion"),
        (due_notifications, delivery.enqueue, "notification delivery"),
        (unsent, emails.enqueue_delivery, "outbox email"),
    ):
        for object_id in ids:
            send(object_id)
        lost[kind] = len(ids)
    for event_id in team_news.recent_event_ids():
        task_queue.send("workers.notifications.notify_team_event", event_id, delivery.QUEUE)
    db.session.rollback()
    return +lost  # the kinds with something lost


def _send_deletion(user_id: int) -> None:
    task_queue.send("workers.accounts.delete_account", user_id, "aggregation")


def deliveries(mail_dir: Path) -> Counter:
    """How many times each Message-ID (one per outbox email) was delivered, from the file
    backend's .eml files."""
    received: Counter = Counter()
    for eml in mail_dir.glob("*.eml"):
        received[
            email.message_from_bytes(eml.read_bytes(), policy=policy.default)["Message-ID"]
        ] += 1
    return received


_TASK_LINE = re.compile(
    rb"Task (workers\.[\w.]+)\[([0-9a-f-]+)\] (received|succeeded|failed|retry|raised)"
)


def unfinished_tasks(log_text: bytes) -> list[str]:
    """The tasks a worker's log shows received and not finished: what a kill now interrupts
    (running, or reserved and waiting)."""
    open_tasks: dict[bytes, str] = {}
    for name, task_id, what in _TASK_LINE.findall(log_text):
        if what == b"received":
            open_tasks[task_id] = name.decode()
        else:
            open_tasks.pop(task_id, None)
    return sorted(open_tasks.values())


def redelivered(log_texts: list[bytes]) -> Counter:
    """Per task name, how many deliveries were of a task some worker had received before."""
    seen: set[bytes] = set()
    again: Counter = Counter()
    for text in log_texts:
        for name, task_id, what in _TASK_LINE.findall(text):
            if what == b"received":
                if task_id in seen:
                    again[name.decode()] += 1
                seen.add(task_id)
    return again
