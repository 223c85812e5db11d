"""Our Redis, under var/redis."""

import contextlib
import os
import signal
import subprocess

from devservices.local import (
    LocalService,
    busy_port,
    command_exists,
    failure,
    pid_alive,
    pid_in,
    port_busy,
    wait_until,
)


def missing_packages() -> list[str]:
    if command_exists("redis-server") and command_exists("redis-cli"):
        return []
    return ["redis-server"]


def ask(port: int, *command: str) -> str:
    """redis-cli's answer to `command` from 127.0.0.1:`port` ("" when nobody answers)."""
    asked = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command],
        capture_output=True,
        text=True,
    )
    return asked.stdout.strip() if asked.returncode == 0 else ""


def answers(port: int) -> bool:
    return ask(port, "ping") == "PONG"


class Redis(LocalService):
    """Daemonized; var/redis/port says which port it was started on."""

    name = "redis"
    port_variable = "MILEQUEST_REDIS_PORT"
    url_variable = "REDIS_URL"
    not_ready = "not answering"

    def __init__(self, settings) -> None:
        home = settings.var / "redis"
        super().__init__(settings, settings.redis_port, settings.redis_external, home)
        self.pidfile, self.log, self.portfile = (
            home / "redis.pid",
            home / "redis.log",
            home / "port",
        )

    @property
    def url(self) -> str:
        return self.settings.our_redis_url

    def running_port(self) -> int:
        try:
            return int(self.portfile.read_text())
        except (OSError, ValueError):
            return self.port

    def ready(self, port: int) -> bool:
        return answers(port)

    def check_running(self, port: int) -> None:
        if not answers(port):
            raise failure(
                f"redis: our server (pid {pid_in(self.pidfile)}) does not answer on "
                f"127.0.0.1:{port}",
                self.log,
            )

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.state() == "stale":
            self.pidfile.unlink(missing_ok=True)
        if port_busy(self.port):
            raise busy_port(self.name, self.port, self.port_variable)
        self.portfile.write_text(f"{self.port}\n")
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes"]
        options += ["--dir", str(self.home), "--pidfile", str(self.pidfile)]
        options += ["--logfile", str(self.log), "--save", "60", "1", "--appendonly", "no"]
        with self.log.open("ab") as log:
            started = subprocess.run(["redis-server", *options], stdout=log, stderr=log)
        if started.returncode != 0:
            raise failure(f"redis: redis-server failed to start on 127.0.0.1:{self.port}", self.log)
        if not wait_until(lambda: answers(self.port), timeout_s=5):
            raise failure(f"redis: no PONG from 127.0.0.1:{self.port} after 5s", self.log)

    def stop(self) -> None:
        pid, port = pid_in(self.pidfile), self.running_port()
        # Only send SHUTDOWN if the server on that port really is our process.
        info = ask(port, "info", "server").replace("\r", "").splitlines()
        if f"process_id:{pid}" in info:
            ask(port, "shutdown", "nosave")
        else:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        if not wait_until(lambda: not pid_alive(pid), timeout_s=10):
            raise failure(f"redis: pid {pid} did not exit within 10s", self.log)
        self.pidfile.unlink(missing_ok=True)
