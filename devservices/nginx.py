"""Our nginx, under var/nginx: the reverse proxy in front of the Procfile's `web` and `ws`.

The routes and proxy settings are the repository's own (deploy/nginx/http.conf and
server.conf); this writes only the frame around them: where nginx keeps its files, which port
it listens on and where `web` and `ws` listen. `make run` starts it (scripts/services.sh
proxy), the topology test starts one of its own.
"""

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

from devservices.local import (
    ROOT,
    LocalService,
    Settings,
    busy_port,
    failure,
    is_root,
    pid_alive,
    pid_in,
    port_busy,
    wait_until,
)

DEPLOY = ROOT / "deploy" / "nginx"


def binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def missing_packages() -> list[str]:
    return [] if Path(binary()).is_file() else ["nginx"]


def main_config(home: Path, port: int, web_port: int, ws_port: int) -> str:
    # As root, the workers stay root: the folders may sit where no other user can reach (a
    # clone under /root). This proxy listens on loopback only; a deployment has its own.
    user = "user root root;" if is_root() else ""
    temp = "\n".join(
        f"    {kind}_temp_path {home / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Written by devservices/nginx.py for the local proxy; the routes are deploy/nginx/.
{user}
worker_processes 1;
worker_rlimit_nofile 65536;
pid {home / "nginx.pid"};
error_log {home / "error.log"} warn;
events {{
    worker_connections 16384;
}}
http {{
    default_type application/octet-stream;
    log_format upstreams '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                         'upstream=$upstream_addr time=$request_time';
    access_log {home / "access.log"} upstreams;
{temp}
    upstream milequest_web {{
        server 127.0.0.1:{web_port};
        keepalive 16;
    }}
    upstream milequest_ws {{
        server 127.0.0.1:{ws_port};
    }}
    include {DEPLOY / "http.conf"};
    server {{
        listen 127.0.0.1:{port};
        include {DEPLOY / "server.conf"};
    }}
}}
"""


class Nginx(LocalService):
    """Daemonized; its master runs in `home`, and home/port says which port it listens on."""

    name = "nginx"
    port_variable = "MILEQUEST_PROXY_PORT"
    url_variable = "-"
    not_ready = "not accepting connections"

    def __init__(
        self, settings: Settings, port: int, web_port: int, ws_port: int, home: Path | None = None
    ) -> None:
        super().__init__(settings, port, False, home or settings.var / "nginx")
        self.web_port, self.ws_port = web_port, ws_port
        self.pidfile, self.log = self.home / "nginx.pid", self.home / "error.log"
        self.config, self.portfile = self.home / "nginx.conf", self.home / "port"

    @classmethod
    def from_env(cls, settings: Settings, env=os.environ) -> "Nginx":
        """MILEQUEST_PROXY_PORT (5000) in front of MILEQUEST_WEB_PORT and MILEQUEST_WS_PORT."""
        port = int(env.get("MILEQUEST_PROXY_PORT", "5000"))
        web = int(env.get("MILEQUEST_WEB_PORT", port + 1))
        return cls(settings, port, web, int(env.get("MILEQUEST_WS_PORT", web + 100)))

    def up_detail(self) -> str:
        return f", to web on {self.web_port} and ws on {self.ws_port}"

    def running_port(self) -> int:
        try:
            return int(self.portfile.read_text())
        except (OSError, ValueError):
            return self.port

    def ready(self, port: int) -> bool:
        return port_busy(port)

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.state() == "stale":
            self.pidfile.unlink(missing_ok=True)
        if port_busy(self.port):
            raise busy_port(self.name, self.port, self.port_variable)
        self.config.write_text(main_config(self.home, self.port, self.web_port, self.ws_port))
        self.portfile.write_text(f"{self.port}\n")
        command = [binary(), "-p", str(self.home), "-c", str(self.config), "-e", str(self.log)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise failure(f"nginx: {self.config} is not valid:\n{checked.stderr}", self.log)
        if subprocess.run(command, cwd=self.home).returncode != 0:
            raise failure(f"nginx: failed to start on 127.0.0.1:{self.port}", self.log)
        if not wait_until(lambda: self.pidfile.exists() and self.ready(self.port), 10):
            raise failure(f"nginx: not listening on 127.0.0.1:{self.port} after 10s", self.log)

    def stop(self) -> None:
        pid = pid_in(self.pidfile)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)  # fast shutdown: open sockets reconnect elsewhere
        if not wait_until(lambda: not pid_alive(pid), timeout_s=10):
            raise failure(f"nginx: pid {pid} did not exit within 10s", self.log)
        self.pidfile.unlink(missing_ok=True)
