"""What both local services share: settings, pid files, ports, and failures with a log's tail."""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServiceError(Exception):
    """A service cannot be brought to the state asked for; the message says why and what to do."""


def failure(message: str, log: Path) -> ServiceError:
    """`message` followed by the last lines of `log`, when it has any."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-20:]
    except OSError:
        tail = []
    if tail:
        message += f"\n--- last lines of {log} ---\n" + "\n".join(tail)
    return ServiceError(message)


@dataclass(frozen=True)
class Settings:
    pg_port: int
    redis_port: int
    db_name: str
    database_url: str  # as given in the environment ("" when unset)
    redis_url: str
    root: Path = ROOT

    @classmethod
    def from_env(cls, env=os.environ, root: Path = ROOT) -> "Settings":
        pg_port = env.get("MILEQUEST_PG_PORT", "55432")
        redis_port = env.get("MILEQUEST_REDIS_PORT", "56379")
        db_name = env.get("MILEQUEST_DB_NAME", "milequest")
        if not pg_port.isdigit():
            raise ServiceError(f"MILEQUEST_PG_PORT must be a number (got '{pg_port}')")
        if not redis_port.isdigit():
            raise ServiceError(f"MILEQUEST_REDIS_PORT must be a number (got '{redis_port}')")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db_name):
            raise ServiceError(f"MILEQUEST_DB_NAME must be a plain identifier (got '{db_name}')")
        return cls(
            int(pg_port),
            int(redis_port),
            db_name,
            env.get("DATABASE_URL", ""),
            env.get("REDIS_URL", ""),
            root.resolve(),
        )

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def our_database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.db_name}"

    @property
    def our_redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # A URL equal to our own (e.g. after `source <(scripts/services.sh env)`) is not external.
    @property
    def pg_external(self) -> bool:
        return self.database_url not in ("", self.our_database_url)

    @property
    def redis_external(self) -> bool:
        return self.redis_url not in ("", self.our_redis_url)


def is_root() -> bool:
    return os.geteuid() == 0


def postgres_user_exists() -> bool:
    return subprocess.run(["id", "-u", "postgres"], capture_output=True).returncode == 0


def postgres_dir(settings: Settings) -> Path:
    """var/pg, or under /var/tmp when we are root and `postgres` cannot reach the clone.

    The server runs as `postgres`, which cannot reach a clone under a private home (/root): then
    the data lives under /var/tmp, one directory per clone, and var/pg links to it.
    """
    if is_root() and postgres_user_exists():
        reach = ["runuser", "-u", "postgres", "--", "test", "-x", str(settings.root)]
        if subprocess.run(reach, capture_output=True).returncode != 0:
            clone = hashlib.sha1(str(settings.root).encode()).hexdigest()[:12]
            return Path(f"/var/tmp/milequest-{clone}/pg")
    return settings.var / "pg"


def port_busy(port: int) -> bool:
    """Something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def pid_alive(pid: int) -> bool:
    """The process exists and is not a zombie (PID 1 can be slow to reap in containers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[-1][:1] not in ("Z", "X")


def pid_state(pidfile: Path, directory: Path) -> str:
    """none (no pid file), ours (alive and working in `directory`, as both servers are),
    stale (dead, or the pid reused by another process), unknown (not readable by this user)."""
    if not pidfile.exists():
        return "none"
    try:
        lines = pidfile.read_text().splitlines()
    except PermissionError:
        return "unknown"
    pid = lines[0].strip() if lines else ""
    if not pid.isdigit() or not pid_alive(int(pid)):
        return "stale"
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return "unknown"
    return "ours" if cwd == os.path.realpath(directory) else "stale"


def pid_in(pidfile: Path) -> int:
    return int(pidfile.read_text().splitlines()[0])


def relative(path: Path, settings: Settings) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def busy_port(name: str, port: int, variable: str) -> ServiceError:
    return ServiceError(
        f"{name}: port {port} on 127.0.0.1 is already in use by another program (not ours "
        f"under var/).\nChoose another port, e.g.: export {variable}={port + 1}; "
        "scripts/services.sh up"
    )


def unknown_state(name: str, pidfile: Path, settings: Settings) -> ServiceError:
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    return ServiceError(
        f"{name}: cannot inspect {relative(pidfile, settings)} as {user}; "
        "run this script as the user that started it"
    )


def command_exists(name: str) -> bool:
    return shutil.which(name) is not None


def wait_until(condition, timeout_s: float, every_s: float = 0.1) -> bool:
    """True as soon as `condition()` is; False once `timeout_s` has passed without it."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every_s)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalService:
    """One server of ours under var/: what `up`, `status` and `down` do, whatever the server.

    A subclass names its files and says how to start, check, stop and find its port.
    """

    name = ""
    port_variable = ""  # MILEQUEST_PG_PORT
    url_variable = ""  # DATABASE_URL
    not_ready = ""  # "not accepting connections"

    def __init__(self, settings: Settings, port: int, external: bool, home: Path) -> None:
        self.settings = settings
        self.port = port  # the one asked for
        self.external = external  # DATABASE_URL / REDIS_URL name another server: leave it
        self.home = home  # its folder, as messages show it
        self.workdir = home  # the running server's working directory
        self.pidfile = home / "server.pid"
        self.log = home / "server.log"

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def ready(self, port: int) -> bool:
        raise NotImplementedError

    def running_port(self) -> int:
        raise NotImplementedError

    def check_running(self, port: int) -> None:
        """Already ours on the right port: fail here if it does not answer."""

    def after_up(self) -> None:
        """Up, started now or before: finish setting it up."""

    def up_detail(self) -> str:
        return ""

    def state(self) -> str:
        return pid_state(self.pidfile, self.workdir)

    def shown(self, path: Path) -> str:
        return relative(path, self.settings)

    def up(self) -> str:
        if self.external:
            return f"{self.name}: external ({self.url_variable})"
        state = self.state()
        if state == "ours":
            port = self.running_port()
            if port != self.port:
                raise ServiceError(
                    f"{self.name}: ours is already running on port {port}, but "
                    f"{self.port_variable}={self.port}; run 'scripts/services.sh down' first"
                )
            self.check_running(port)
        elif state == "unknown":
            raise unknown_state(self.name, self.pidfile, self.settings)
        else:
            self.start()
        self.after_up()
        return (
            f"{self.name}: up on 127.0.0.1:{self.port} ({self.shown(self.home)}{self.up_detail()})"
        )

    def status(self) -> tuple[bool, str]:
        if self.external:
            return True, f"{self.name}: external ({self.url_variable})"
        state = self.state()
        if state == "unknown":
            return False, f"{self.name}: unknown (cannot inspect {self.shown(self.pidfile)})"
        if state != "ours":
            return False, f"{self.name}: down"
        port = self.running_port()
        if not self.ready(port):
            return False, (
                f"{self.name}: running but {self.not_ready} on 127.0.0.1:{port} "
                f"(see {self.shown(self.log)})"
            )
        where = f"{self.name}: up on 127.0.0.1:{port} ({self.shown(self.home)})"
        if port != self.port:
            return False, f"{where}, but {self.port_variable}={self.port}"
        return True, where

    def down(self) -> str:
        if self.external:
            return f"{self.name}: external ({self.url_variable})"
        state = self.state()
        if state == "unknown":
            raise unknown_state(self.name, self.pidfile, self.settings)
        if state != "ours":
            return f"{self.name}: down"
        self.stop()
        return f"{self.name}: stopped"
