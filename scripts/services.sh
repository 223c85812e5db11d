#!/usr/bin/env bash
# Project-local PostgreSQL 15 (+ PostGIS 3) and Redis for development.
#
# Usage: scripts/services.sh up|status|down|env
#   up      start what is needed (idempotent, a second run is a fast no-op) and
#           make sure database $MILEQUEST_DB_NAME exists with postgis, pg_trgm
#           and citext
#   status  one line per service; exit 0 if all needed services are up, else 1
#   down    stop our servers under var/ (idempotent)
#   env     print the exports to use them:  eval "$(scripts/services.sh env)"
#
# Environment:
#   MILEQUEST_PG_PORT (55432)  MILEQUEST_REDIS_PORT (56379)  MILEQUEST_DB_NAME (milequest)
#   DATABASE_URL / REDIS_URL   if set (to anything but our own URL) that service
#                              is treated as external and left alone
#
# Everything lives in <repo>/var/{pg,redis}. The system PostgreSQL and Redis
# (ports 5432 / 6379) are never used or touched.
set -euo pipefail
umask 022

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
VAR=$ROOT/var

PG_BIN=/usr/lib/postgresql/15/bin
PG_EXT_DIR=/usr/share/postgresql/15/extension
PG_DIR=$VAR/pg
# The server runs as `postgres`, which cannot reach a clone under a private home (/root):
# then the data lives under /var/tmp, one directory per clone, and var/pg links to it.
if [[ $(id -u) -eq 0 ]] && id -u postgres >/dev/null 2>&1 &&
    ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    PG_DIR=/var/tmp/milequest-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)/pg
fi
PG_DATA=$PG_DIR/data
PG_RUN=$PG_DIR/run
PG_LOG=$PG_DIR/postgres.log
PG_PIDFILE=$PG_DATA/postmaster.pid

REDIS_DIR=$VAR/redis
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_PORTFILE=$REDIS_DIR/port

PG_PORT=${MILEQUEST_PG_PORT:-55432}
REDIS_PORT=${MILEQUEST_REDIS_PORT:-56379}
DB_NAME=${MILEQUEST_DB_NAME:-milequest}

# ---------------------------------------------------------------- helpers

die() { printf '%s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }
rel() { printf '%s' "${1#"$ROOT"/}"; }

# fail_with_log LOGFILE MESSAGE...: print the message and the log's tail, exit 1.
fail_with_log() {
    local log=$1
    shift
    printf '%s\n' "$*" >&2
    if [[ -s $log ]]; then
        printf -- '--- last lines of %s ---\n' "$log" >&2
        tail -n 20 "$log" >&2
    fi
    exit 1
}

check_settings() {
    [[ $PG_PORT =~ ^[0-9]+$ ]] || die "MILEQUEST_PG_PORT must be a number (got '$PG_PORT')"
    [[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "MILEQUEST_REDIS_PORT must be a number (got '$REDIS_PORT')"
    [[ $DB_NAME =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
        die "MILEQUEST_DB_NAME must be a plain identifier (got '$DB_NAME')"
}

pg_url() { printf 'postgresql://postgres@127.0.0.1:%s/%s' "$PG_PORT" "$DB_NAME"; }
redis_url() { printf 'redis://127.0.0.1:%s/0' "$REDIS_PORT"; }

# A URL equal to our own (e.g. after `eval "$(services.sh env)"`) is not external.
pg_external() { [[ -n ${DATABASE_URL:-} && $DATABASE_URL != "$(pg_url)" ]]; }
redis_external() { [[ -n ${REDIS_URL:-} && $REDIS_URL != "$(redis_url)" ]]; }

# port_busy PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_busy() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# pid_alive PID: the process exists and is not a zombie (an exited daemon can stay
# a zombie for a while when PID 1 is slow to reap, e.g. in containers).
pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != [ZX] ]]
}

# pid_state PIDFILE DIR: prints
#   none     no pid file
#   ours     the pid is alive and its working directory is DIR (both servers chdir there)
#   stale    the pid is dead, or alive but some other process (pid reused)
#   unknown  cannot tell (pid file or process not readable by this user)
pid_state() {
    local pidfile=$1 dir pid cwd
    [[ -e $pidfile ]] || { echo none; return; }
    [[ -r $pidfile ]] || { echo unknown; return; }
    pid=$(head -n 1 "$pidfile")
    if ! [[ $pid =~ ^[0-9]+$ ]] || ! pid_alive "$pid"; then echo stale; return; fi
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || { echo unknown; return; }
    dir=$(readlink -f "$2")
    if [[ $cwd == "$dir" ]]; then echo ours; else echo stale; fi
}

unknown_state() { # NAME PIDFILE
    die "$1: cannot inspect $(rel "$2") as $(id -un); run this script as the user that started it"
}

busy_port() { # NAME PORT VAR
    die "$1: port $2 on 127.0.0.1 is already in use by another program (not ours under var/).
Choose another port, e.g.: export $3=$(($2 + 1)); scripts/services.sh up"
}

# ---------------------------------------------------------------- packages

missing_packages() {
    if ! pg_external; then
        local bin
        for bin in initdb pg_ctl postgres pg_isready createdb psql; do
            if [[ ! -x $PG_BIN/$bin ]]; then
                echo postgresql-15
                echo postgresql-contrib
                break
            fi
        done
        [[ -f $PG_EXT_DIR/postgis.control ]] || echo postgresql-15-postgis-3
    fi
    if ! redis_external; then
        command -v redis-server >/dev/null && command -v redis-cli >/dev/null || echo redis-server
    fi
}

ensure_packages() {
    local pkgs
    mapfile -t pkgs < <(missing_packages)
    ((${#pkgs[@]})) || return 0
    if ! is_root; then
        die "missing packages: ${pkgs[*]}
Install them with:
  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs[*]}"
    fi
    echo "installing: ${pkgs[*]}" >&2
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >&2
}

# ---------------------------------------------------------------- postgres

# initdb/pg_ctl refuse to run as root: use the postgres user then.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_psql() {
    PGOPTIONS='-c client_min_messages=warning' PGCONNECT_TIMEOUT=5 \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

pg_running_port() { sed -n 4p "$PG_PIDFILE"; }

pg_prepare_dirs() {
    mkdir -p "$PG_RUN"
    if [[ $PG_DIR != "$VAR/pg" ]]; then
        mkdir -p "$VAR"
        ln -sfn "$PG_DIR" "$VAR/pg"
    fi
    is_root || return 0
    id -u postgres >/dev/null 2>&1 || die "postgres: system user 'postgres' does not exist (is postgresql-15 installed?)"
    chown postgres:postgres "$PG_DIR" "$PG_RUN"
    runuser -u postgres -- test -x "$PG_DIR" -a -w "$PG_DIR" ||
        die "postgres: user 'postgres' cannot reach $PG_DIR; make its parent directories traversable (chmod o+x)"
}

pg_init() {
    [[ -f $PG_DATA/PG_VERSION ]] && return 0
    rm -rf "$PG_DATA" # a half-made data dir from an interrupted initdb
    local log=$PG_DIR/initdb.log
    local opts=(-D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --no-instructions)
    if ! as_pg "$PG_BIN/initdb" "${opts[@]}" --locale=C.UTF-8 >"$log" 2>&1; then
        rm -rf "$PG_DATA"
        as_pg "$PG_BIN/initdb" "${opts[@]}" --locale=C >>"$log" 2>&1 ||
            fail_with_log "$log" "postgres: initdb failed"
    fi
    printf "\ninclude_if_exists = 'milequest.conf'\n" >>"$PG_DATA/postgresql.conf"
}

# Rewritten before every start so port and socket path follow env and clone path.
pg_write_conf() {
    local conf=$PG_DATA/milequest.conf
    cat >"$conf" <<EOF
# Written by scripts/services.sh on every start; edits are overwritten.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '${PG_RUN//\'/\'\'}'
max_connections = 200
EOF
    if is_root; then chown postgres:postgres "$conf"; fi
}

# Socket lock files left by a crashed server (var/pg/run is used by ours only).
# postgres would treat a not-yet-reaped zombie postmaster as alive and refuse to start.
pg_clean_socket_locks() {
    local lock pid
    for lock in "$PG_RUN"/.s.PGSQL.*.lock; do
        [[ -f $lock ]] || continue
        pid=$(head -n 1 "$lock")
        if ! [[ $pid =~ ^[0-9]+$ ]] || ! pid_alive "$pid"; then
            rm -f "$lock" "${lock%.lock}"
        fi
    done
}

pg_start() {
    if port_busy "$PG_PORT"; then busy_port postgres "$PG_PORT" MILEQUEST_PG_PORT; fi
    pg_prepare_dirs
    pg_init
    if [[ $(pid_state "$PG_PIDFILE" "$PG_DATA") == stale ]]; then rm -f "$PG_PIDFILE"; fi
    pg_clean_socket_locks
    pg_write_conf
    local out
    # 9>&-: the daemon must not inherit (and hold forever) our lock fd.
    out=$(as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 start 2>&1 9>&-) || {
        printf '%s\n' "$out" >&2
        fail_with_log "$PG_LOG" "postgres: failed to start on 127.0.0.1:$PG_PORT"
    }
}

pg_ensure_db() {
    local exists
    exists=$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ||
        fail_with_log "$PG_LOG" "postgres: cannot connect to 127.0.0.1:$PG_PORT"
    if [[ $exists != 1 ]]; then
        pg_psql -d postgres -c "CREATE DATABASE \"$DB_NAME\""
    fi
    pg_psql -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS citext;' ||
        die "postgres: could not create extensions in database $DB_NAME"
}

pg_up() {
    if pg_external; then echo "postgres: external (DATABASE_URL)"; return; fi
    case $(pid_state "$PG_PIDFILE" "$PG_DATA") in
        ours)
            local port
            port=$(pg_running_port)
            [[ $port == "$PG_PORT" ]] ||
                die "postgres: ours is already running on port $port, but MILEQUEST_PG_PORT=$PG_PORT; run 'scripts/services.sh down' first"
            ;;
        unknown) unknown_state postgres "$PG_PIDFILE" ;;
        *) pg_start ;;
    esac
    pg_ensure_db
    echo "postgres: up on 127.0.0.1:$PG_PORT ($(rel "$PG_DIR"), db $DB_NAME)"
}

pg_status() {
    if pg_external; then echo "postgres: external (DATABASE_URL)"; return 0; fi
    case $(pid_state "$PG_PIDFILE" "$PG_DATA") in
        ours)
            local port
            port=$(pg_running_port)
            if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
                echo "postgres: running but not accepting connections on 127.0.0.1:$port (see $(rel "$PG_LOG"))"
                return 1
            fi
            if [[ $port != "$PG_PORT" ]]; then
                echo "postgres: up on 127.0.0.1:$port ($(rel "$PG_DIR")), but MILEQUEST_PG_PORT=$PG_PORT"
                return 1
            fi
            echo "postgres: up on 127.0.0.1:$port ($(rel "$PG_DIR"))"
            ;;
        unknown) echo "postgres: unknown (cannot inspect $(rel "$PG_PIDFILE"))"; return 1 ;;
        *) echo "postgres: down"; return 1 ;;
    esac
}

pg_down() {
    if pg_external; then echo "postgres: external (DATABASE_URL)"; return; fi
    case $(pid_state "$PG_PIDFILE" "$PG_DATA") in
        ours)
            local out
            out=$(as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop 2>&1) || {
                printf '%s\n' "$out" >&2
                fail_with_log "$PG_LOG" "postgres: pg_ctl stop failed"
            }
            echo "postgres: stopped"
            ;;
        unknown) unknown_state postgres "$PG_PIDFILE" ;;
        *) echo "postgres: down" ;;
    esac
}

# ---------------------------------------------------------------- redis

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }
redis_running_port() { cat "$REDIS_PORTFILE" 2>/dev/null || echo "$REDIS_PORT"; }

redis_start() {
    mkdir -p "$REDIS_DIR"
    if [[ $(pid_state "$REDIS_PIDFILE" "$REDIS_DIR") == stale ]]; then rm -f "$REDIS_PIDFILE"; fi
    if port_busy "$REDIS_PORT"; then busy_port redis "$REDIS_PORT" MILEQUEST_REDIS_PORT; fi
    echo "$REDIS_PORT" >"$REDIS_PORTFILE"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
        --dir "$REDIS_DIR" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
        --save 60 1 --appendonly no >>"$REDIS_LOG" 2>&1 9>&- ||
        fail_with_log "$REDIS_LOG" "redis: redis-server failed to start on 127.0.0.1:$REDIS_PORT"
    local i
    for ((i = 0; i < 50; i++)); do
        redis_ping "$REDIS_PORT" && return 0
        sleep 0.1
    done
    fail_with_log "$REDIS_LOG" "redis: no PONG from 127.0.0.1:$REDIS_PORT after 5s"
}

redis_up() {
    if redis_external; then echo "redis: external (REDIS_URL)"; return; fi
    case $(pid_state "$REDIS_PIDFILE" "$REDIS_DIR") in
        ours)
            local port
            port=$(redis_running_port)
            [[ $port == "$REDIS_PORT" ]] ||
                die "redis: ours is already running on port $port, but MILEQUEST_REDIS_PORT=$REDIS_PORT; run 'scripts/services.sh down' first"
            redis_ping "$port" ||
                fail_with_log "$REDIS_LOG" "redis: our server (pid $(head -n 1 "$REDIS_PIDFILE")) does not answer on 127.0.0.1:$port"
            ;;
        unknown) unknown_state redis "$REDIS_PIDFILE" ;;
        *) redis_start ;;
    esac
    echo "redis: up on 127.0.0.1:$REDIS_PORT ($(rel "$REDIS_DIR"))"
}

redis_status() {
    if redis_external; then echo "redis: external (REDIS_URL)"; return 0; fi
    case $(pid_state "$REDIS_PIDFILE" "$REDIS_DIR") in
        ours)
            local port
            port=$(redis_running_port)
            if ! redis_ping "$port"; then
                echo "redis: running but not answering on 127.0.0.1:$port (see $(rel "$REDIS_LOG"))"
                return 1
            fi
            if [[ $port != "$REDIS_PORT" ]]; then
                echo "redis: up on 127.0.0.1:$port ($(rel "$REDIS_DIR")), but MILEQUEST_REDIS_PORT=$REDIS_PORT"
                return 1
            fi
            echo "redis: up on 127.0.0.1:$port ($(rel "$REDIS_DIR"))"
            ;;
        unknown) echo "redis: unknown (cannot inspect $(rel "$REDIS_PIDFILE"))"; return 1 ;;
        *) echo "redis: down"; return 1 ;;
    esac
}

redis_down() {
    if redis_external; then echo "redis: external (REDIS_URL)"; return; fi
    case $(pid_state "$REDIS_PIDFILE" "$REDIS_DIR") in
        ours) ;;
        unknown) unknown_state redis "$REDIS_PIDFILE" ;;
        *) echo "redis: down"; return ;;
    esac
    local pid port served_by i
    pid=$(head -n 1 "$REDIS_PIDFILE")
    port=$(redis_running_port)
    # Only send SHUTDOWN if the server on that port really is our process.
    served_by=$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null |
        tr -d '\r' | sed -n 's/^process_id://p') || true
    if [[ $served_by == "$pid" ]]; then
        redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 100; i++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    ! pid_alive "$pid" || fail_with_log "$REDIS_LOG" "redis: pid $pid did not exit within 10s"
    rm -f "$REDIS_PIDFILE"
    echo "redis: stopped"
}

# ---------------------------------------------------------------- commands

lock() { # serialise concurrent up/down runs
    exec 9>"$VAR/.services.lock"
    flock 9
}

cmd_up() {
    ensure_packages
    [[ -d $VAR ]] || mkdir -m 755 "$VAR"
    lock
    pg_up
    redis_up
}

cmd_down() {
    if [[ -d $VAR ]]; then lock; fi
    pg_down
    redis_down
}

cmd_status() {
    local rc=0
    pg_status || rc=1
    redis_status || rc=1
    return "$rc"
}

cmd_env() {
    if pg_external; then
        printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
    else
        printf 'export DATABASE_URL=%s\n' "$(pg_url)"
    fi
    if redis_external; then
        printf 'export REDIS_URL=%q\n' "$REDIS_URL"
    else
        printf 'export REDIS_URL=%s\n' "$(redis_url)"
    fi
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

main() {
    check_settings
    case ${1:-} in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        env) cmd_env ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
