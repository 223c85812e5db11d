"""gunicorn settings for the `web` and `ws` processes; environment variables override them.

`ws` (the live streams, behind their own route: deploy/nginx/server.conf) names its worker
class and count on the Procfile's command line. gevent workers: an open WebSocket is a parked
greenlet, not a thread, so one 2-core machine holds thousands (a gthread worker needs a thread
per socket: 50 threads served 50 sockets). psycogreen makes psycopg2 yield to the loop while it
waits for PostgreSQL.
"""

import logging
import os
import resource
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
worker_connections = int(os.environ.get("WEB_CONNECTIONS", "10000"))  # per gevent worker
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True  # gunicorn 27's control socket is not used here
# No access log: request lines carry reset and invite tokens in their paths. The app writes one
# JSON line per request instead (milequest/observability/web_tracking.py).
accesslog = None
# A gevent worker reads a request's head within `keepalive` seconds (2), but its body with no
# limit at all: a client that stops mid-upload held its greenlet and socket until it went away.
# Each read of a body (and each write of an answer) now waits at most this long, a little
# longer than nginx's longest client_body_timeout (60 s, imports) so a walker nginx still
# waits for is never cut here first. WebSockets (`ws`) wait on their peer for longer: not them.
read_timeout_s = float(os.environ.get("WEB_READ_TIMEOUT", "65"))
# Metrics: each worker writes its counts to files here and /metrics adds them up. Set it to
# share one directory with the worker and beat (scripts/run.sh does, emptied at each start);
# otherwise each start gets a fresh private one.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="milequest-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
# The app's own log lines (an expected refusal is one INFO line) go to stderr with gunicorn's.
logging.basicConfig(
    level=os.environ.get("LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)


def on_starting(server) -> None:
    # Each socket is a file descriptor: raise the soft limit as far as the hard one allows.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def post_fork(server, worker) -> None:
    if server.cfg.worker_class_str == "gevent":
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def pre_request(worker, req) -> None:
    sock = getattr(req.unreader, "sock", None)
    upgrading = any(name == "UPGRADE" for name, _ in req.headers)
    if sock is not None and not upgrading:
        sock.settimeout(read_timeout_s)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its open-socket gauge ends with it


def on_exit(server) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
