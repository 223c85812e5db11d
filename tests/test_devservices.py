"""The project-local PostgreSQL and Redis (devservices/): real servers on spare ports."""

import hashlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg2
import pytest
import redis

import devservices.__main__ as cli
from devservices import packages
from devservices.local import (
    ServiceError,
    Settings,
    free_port,
    is_root,
    pid_alive,
    pid_in,
    port_busy,
)
from devservices.postgres import Postgres
from devservices.redis import Redis


def settings_for(root: Path, **env: str) -> Settings:
    ports = {"MILEQUEST_PG_PORT": str(free_port()), "MILEQUEST_REDIS_PORT": str(free_port())}
    return Settings.from_env({**ports, "MILEQUEST_DB_NAME": "mq_devservices", **env}, root)


def printed(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


@pytest.fixture
def clone(tmp_path):
    """A clone's folder that the `postgres` user cannot reach, as one under /root."""
    root = (tmp_path / "clone").resolve()
    root.mkdir(mode=0o700)
    os.chmod(tmp_path, 0o700)
    yield root
    pg_home = Postgres(Settings.from_env({}, root)).home
    if pg_home.parent.name.startswith("milequest-"):
        shutil.rmtree(pg_home.parent, ignore_errors=True)


@pytest.mark.slow  # starts a real PostgreSQL (initdb) and Redis
def test_up_is_idempotent_status_tells_and_down_stops_both(clone, capsys):
    settings = settings_for(clone)
    postgres, redis_server = Postgres(settings), Redis(settings)
    assert cli.status(settings) == 1
    assert printed(capsys) == ["postgres: down", "redis: down"]

    try:
        assert cli.up(settings) == 0
        first_pids = pid_in(postgres.pidfile), pid_in(redis_server.pidfile)
        assert cli.up(settings) == 0  # a second run changes nothing
        assert (pid_in(postgres.pidfile), pid_in(redis_server.pidfile)) == first_pids

        pg_home = "var/pg"
        if is_root():  # `postgres` runs the server: its data goes where it can reach
            pg_home = f"/var/tmp/milequest-{hashlib.sha1(str(clone).encode()).hexdigest()[:12]}/pg"
        up_lines = [
            f"postgres: up on 127.0.0.1:{settings.pg_port} ({pg_home}, db mq_devservices)",
            f"redis: up on 127.0.0.1:{settings.redis_port} (var/redis)",
        ]
        assert printed(capsys) == up_lines * 2
        assert (clone / "var" / "pg").resolve() == postgres.home.resolve()
        assert cli.status(settings) == 0
        assert printed(capsys) == [
            f"postgres: up on 127.0.0.1:{settings.pg_port} ({pg_home})",
            f"redis: up on 127.0.0.1:{settings.redis_port} (var/redis)",
        ]
        with psycopg2.connect(settings.our_database_url) as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT extname FROM pg_extension")
            assert {"postgis", "pg_trgm", "citext"} <= {row[0] for row in cursor}
        connection.close()
        assert redis.Redis.from_url(settings.our_redis_url).ping()
    finally:
        assert cli.down(settings) == 0

    assert printed(capsys) == ["postgres: stopped", "redis: stopped"]
    assert not any(pid_alive(pid) for pid in first_pids)
    assert cli.down(settings) == 0
    assert printed(capsys) == ["postgres: down", "redis: down"]


def test_a_busy_port_names_the_variable_to_change(clone):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        pg_settings = settings_for(clone, MILEQUEST_PG_PORT=str(port))
        redis_settings = settings_for(clone, MILEQUEST_REDIS_PORT=str(port))

        with pytest.raises(ServiceError) as postgres_refused:
            Postgres(pg_settings).up()
        with pytest.raises(ServiceError) as redis_refused:
            Redis(redis_settings).up()

    for refusal, variable in ((postgres_refused, "PG"), (redis_refused, "REDIS")):
        assert str(refusal.value).splitlines()[1] == (
            f"Choose another port, e.g.: export MILEQUEST_{variable}_PORT={port + 1}; "
            "scripts/services.sh up"
        )
    assert str(postgres_refused.value).startswith(
        f"postgres: port {port} on 127.0.0.1 is already in use by another program"
    )
    assert not (clone / "var" / "redis" / "redis.pid").exists()


def test_external_urls_are_left_alone(clone, capsys):
    external = {"DATABASE_URL": "postgresql://app@db.internal/app", "REDIS_URL": "redis://r:6379/2"}
    settings = settings_for(clone, **external)

    assert cli.up(settings) == 0
    assert cli.status(settings) == 0
    assert cli.down(settings) == 0
    assert cli.env(settings) == 0

    assert printed(capsys) == [
        "postgres: external (DATABASE_URL)",
        "redis: external (REDIS_URL)",
    ] * 3 + [
        "export DATABASE_URL=postgresql://app@db.internal/app",
        "export REDIS_URL=redis://r:6379/2",
    ]
    assert not (clone / "var" / "pg").exists() and not (clone / "var" / "redis").exists()
    assert packages.missing(settings) == []  # nothing to install for servers we do not run


def test_our_own_urls_are_not_external_and_env_prints_them(clone, capsys):
    ours = settings_for(clone)
    settings = settings_for(
        clone,
        MILEQUEST_PG_PORT=str(ours.pg_port),
        MILEQUEST_REDIS_PORT=str(ours.redis_port),
        DATABASE_URL=ours.our_database_url,
        REDIS_URL=ours.our_redis_url,
    )

    assert not settings.pg_external and not settings.redis_external
    cli.env(settings)
    assert printed(capsys) == [
        f"export DATABASE_URL=postgresql://postgres@127.0.0.1:{ours.pg_port}/mq_devservices",
        f"export REDIS_URL=redis://127.0.0.1:{ours.redis_port}/0",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MILEQUEST_PG_PORT", "5432x", "MILEQUEST_PG_PORT must be a number (got '5432x')"),
        ("MILEQUEST_REDIS_PORT", "", "MILEQUEST_REDIS_PORT must be a number (got '')"),
        ("MILEQUEST_DB_NAME", "a-b", "MILEQUEST_DB_NAME must be a plain identifier (got 'a-b')"),
    ],
)
def test_bad_settings_are_refused_with_what_was_given(clone, variable, value, message):
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({variable: value}, clone)


def test_the_local_proxy_config_is_valid_nginx_with_the_repositorys_routes(tmp_path):
    from devservices import nginx

    config = tmp_path / "nginx.conf"
    config.write_text(nginx.main_config(tmp_path, 58080, 58081, 58181))
    command = [nginx.binary(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"]

    checked = subprocess.run(command, capture_output=True, text=True)

    assert checked.returncode == 0, checked.stderr
    assert "server 127.0.0.1:58081;" in config.read_text()  # web
    assert "server 127.0.0.1:58181;" in config.read_text()  # ws
    assert f"include {nginx.DEPLOY / 'server.conf'};" in config.read_text()


def test_proxy_and_down_start_and_stop_our_nginx(clone, capsys):
    settings = settings_for(clone)
    ports = {"MILEQUEST_PROXY_PORT": str(free_port()), "MILEQUEST_WEB_PORT": "1"}
    proxy_port = int(ports["MILEQUEST_PROXY_PORT"])
    with pytest.MonkeyPatch.context() as env:
        for name, value in ports.items():
            env.setenv(name, value)
        try:
            assert cli.proxy(settings) == 0
            assert port_busy(proxy_port)
            assert cli.down(settings) == 0
        finally:
            cli.proxy_down(settings)

    lines = printed(capsys)
    assert lines[0] == f"nginx: up on 127.0.0.1:{proxy_port} (var/nginx, to web on 1 and ws on 101)"
    assert lines[-2:] == ["nginx: stopped", "nginx: down"]
