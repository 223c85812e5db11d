"""Our PostgreSQL 15 with PostGIS, under var/pg (or /var/tmp, see local.postgres_dir)."""

import os
import shutil
import subprocess
from pathlib import Path

from devservices.local import (
    LocalService,
    ServiceError,
    busy_port,
    failure,
    is_root,
    pid_alive,
    port_busy,
    postgres_dir,
    postgres_user_exists,
)

BIN = Path("/usr/lib/postgresql/15/bin")
EXTENSIONS = Path("/usr/share/postgresql/15/extension")
PROGRAMS = ("initdb", "pg_ctl", "postgres", "pg_isready", "createdb", "psql")


def missing_packages() -> list[str]:
    packages = []
    if not all(os.access(BIN / program, os.X_OK) for program in PROGRAMS):
        packages += ["postgresql-15", "postgresql-contrib"]
    if not (EXTENSIONS / "postgis.control").is_file():
        packages.append("postgresql-15-postgis-3")
    return packages


class Postgres(LocalService):
    """initdb, pg_ctl and the server run as `postgres` when we are root; the port a running
    server listens on is the fourth line of its postmaster.pid."""

    name = "postgres"
    port_variable = "MILEQUEST_PG_PORT"
    url_variable = "DATABASE_URL"
    not_ready = "not accepting connections"

    def __init__(self, settings) -> None:
        home = postgres_dir(settings)
        super().__init__(settings, settings.pg_port, settings.pg_external, home)
        self.data, self.run_dir = home / "data", home / "run"
        self.log, self.pidfile = home / "postgres.log", self.data / "postmaster.pid"
        self.workdir = self.data  # the server's working directory

    def up_detail(self) -> str:
        return f", db {self.settings.db_name}"

    def running_port(self) -> int:
        return int(self.pidfile.read_text().splitlines()[3])

    def ready(self, port: int) -> bool:
        command = [BIN / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        return subprocess.run([*command, "-d", "postgres"]).returncode == 0

    def start(self) -> None:
        if port_busy(self.port):
            raise busy_port(self.name, self.port, self.port_variable)
        self._prepare_dirs()
        self._init()
        if self.state() == "stale":
            self.pidfile.unlink(missing_ok=True)
        self._clean_socket_locks()
        self._write_conf()
        started = self._as_postgres(
            [BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "start"]
        )
        if started.returncode != 0:
            raise failure(
                f"{started.stdout}postgres: failed to start on 127.0.0.1:{self.port}", self.log
            )

    def stop(self) -> None:
        stopped = self._as_postgres(
            [BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"]
        )
        if stopped.returncode != 0:
            raise failure(f"{stopped.stdout}postgres: pg_ctl stop failed", self.log)

    def after_up(self) -> None:
        """Database MILEQUEST_DB_NAME exists, with postgis, pg_trgm and citext."""
        name = self.settings.db_name
        exists = self._psql(
            "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
        )
        if exists.returncode != 0:
            raise failure(f"postgres: cannot connect to 127.0.0.1:{self.port}", self.log)
        if exists.stdout.strip() != "1":
            created = self._psql("postgres", "-c", f'CREATE DATABASE "{name}"')
            if created.returncode != 0:
                raise ServiceError(created.stderr.strip())
        extensions = self._psql(
            name,
            "-c",
            "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; "
            "CREATE EXTENSION IF NOT EXISTS citext;",
        )
        if extensions.returncode != 0:
            raise ServiceError(f"postgres: could not create extensions in database {name}")

    def _psql(self, database: str, *args: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "PGOPTIONS": "-c client_min_messages=warning",
            "PGCONNECT_TIMEOUT": "5",
        }
        command = [BIN / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]
        command += ["-p", str(self.port), "-U", "postgres", "-d", database, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    def _as_postgres(self, command: list) -> subprocess.CompletedProcess:
        """initdb and pg_ctl refuse to run as root: as root, run them as `postgres`."""
        command = [str(part) for part in command]
        if is_root():
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command,
            cwd="/" if is_root() else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _prepare_dirs(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        link = self.settings.var / "pg"
        if self.home != link:
            self.settings.var.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(self.home)
        if not is_root():
            return
        if not postgres_user_exists():
            raise ServiceError(
                "postgres: system user 'postgres' does not exist (is postgresql-15 installed?)"
            )
        shutil.chown(self.home, "postgres", "postgres")
        shutil.chown(self.run_dir, "postgres", "postgres")
        reach = [
            "runuser",
            "-u",
            "postgres",
            "--",
            "test",
            "-x",
            str(self.home),
            "-a",
            "-w",
            str(self.home),
        ]
        if subprocess.run(reach).returncode != 0:
            raise ServiceError(
                f"postgres: user 'postgres' cannot reach {self.home}; make its parent "
                "directories traversable (chmod o+x)"
            )

    def _init(self) -> None:
        if (self.data / "PG_VERSION").is_file():
            return
        shutil.rmtree(self.data, ignore_errors=True)  # half made by an interrupted initdb
        log = self.home / "initdb.log"
        options = [BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
        options += ["--encoding=UTF8", "--no-instructions"]
        made = self._as_postgres([*options, "--locale=C.UTF-8"])
        log.write_text(made.stdout)
        if made.returncode != 0:
            shutil.rmtree(self.data, ignore_errors=True)
            made = self._as_postgres([*options, "--locale=C"])
            with log.open("a") as out:
                out.write(made.stdout)
            if made.returncode != 0:
                raise failure("postgres: initdb failed", log)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude_if_exists = 'milequest.conf'\n")

    def _write_conf(self) -> None:
        """Rewritten before every start, so port and socket path follow env and clone path."""
        conf = self.data / "milequest.conf"
        socket_dir = str(self.run_dir).replace("'", "''")
        conf.write_text(
            "# Written by scripts/services.sh on every start; edits are overwritten.\n"
            f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            "max_connections = 200\n"
        )
        if is_root():
            shutil.chown(conf, "postgres", "postgres")

    def _clean_socket_locks(self) -> None:
        """Socket lock files left by a crashed server (var/pg/run is ours only).

        postgres would take a not-yet-reaped zombie postmaster for a live one and not start.
        """
        for lock in self.run_dir.glob(".s.PGSQL.*.lock"):
            lines = lock.read_text().splitlines()
            pid = lines[0].strip() if lines else ""
            if not pid.isdigit() or not pid_alive(int(pid)):
                lock.unlink(missing_ok=True)
                lock.with_suffix("").unlink(missing_ok=True)
