"""The production topology: nginx (deploy/nginx/) in front of the Procfile's `web` and `ws`,
with a Celery worker; the live stream's route goes to `ws`, everything else to `web`."""

import contextlib
import re
import socket
import uuid

import pytest

from devservices.local import Settings, free_port, wait_until
from devservices.nginx import Nginx
from milequest.extensions import db
from milequest.services.core import team_events
from milequest.services.walks import activities
from tests.factories import add_member, make_journey, make_team, make_user
from tests.live_servers import Browser, connect, web_processes

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # nginx and gunicorn processes
BEHIND_NGINX = {"MILEQUEST_PROXY_HOPS": "1"}


@pytest.fixture(scope="module")
def through_nginx(app, tmp_path_factory):
    """nginx's URL, the folder of its access log, and the ports of `web` and `ws` (one set of
    processes for the module: they keep nothing between tests but their logs)."""
    logs = tmp_path_factory.mktemp("topology")
    with (
        web_processes(app, 1, logs, "web", **BEHIND_NGINX) as (web,),
        web_processes(app, 1, logs, "ws", **BEHIND_NGINX) as (ws,),
    ):
        proxy = Nginx(Settings.from_env({}), free_port(), port_of(web), port_of(ws), logs)
        proxy.start()
        try:
            yield f"http://127.0.0.1:{proxy.port}", logs, port_of(web), port_of(ws)
        finally:
            proxy.stop()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def served_by(log_dir, port: int) -> list[str]:
    """The requests nginx's access log says the process on `port` served ("GET /x 200")."""
    log = (log_dir / "access.log").read_text()
    requests = re.findall(rf'"(\w+ [^ ]+) HTTP/1\.1" (\d+) \d+ upstream=127\.0\.0\.1:{port} ', log)
    return [f"{request} {status}" for request, status in requests]


def answer_to_head(base_url: str, head: str) -> str:
    """What nginx answers to a request's head alone (no body sent): until the body ends, or
    until nothing more comes for a second."""
    host, port = base_url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        raw.settimeout(1)
        with contextlib.suppress(TimeoutError):
            while chunk := raw.recv(65536):
                answer += chunk
    return answer.decode(errors="replace")


def test_a_walk_logged_through_nginx_reaches_a_socket_opened_through_nginx(
    through_nginx, celery_worker
):
    base_url, logs, web_port, ws_port = through_nginx
    team = make_team(public=True, name="Proxy Pacers")
    make_journey(team)
    walker = make_user(display_name="Nell Ginx")
    add_member(team, walker)
    db.session.commit()
    watcher, member = Browser(base_url), Browser(base_url)
    watcher.log_in(team.created_by.email)
    member.log_in(walker.email)
    after = team_events.last_id(team.id)
    page = watcher.get(f"/teams/{team.id}")
    ws = connect(base_url, f"/teams/{team.id}/live?after={after}", watcher.cookie_header())
    try:
        token = member.csrf_token(f"/activities/new?team={team.id}")
        walk = {
            "client_id": str(uuid.uuid4()),
            "distance": "3.5",
            "unit": "km",
            "activity_date": activities.today_for(walker).isoformat(),
            "kind": "walk",
            "team_id": str(team.id),
        }
        status = member.submit("/activities/", walk, token)
        message = ws.receive(timeout=10)
    finally:
        ws.close()

    socket_url = base_url.replace("http://", "ws://") + f"/teams/{team.id}/live?after={after}"
    assert f'ws-connect="{socket_url}"' in page  # the page opens its socket through nginx
    assert status == 303
    assert message is not None, "nothing reached the socket through nginx"
    assert "Nell Ginx logged 3.5 km (walk)" in message
    # nginx logs a socket's request once it has closed.
    assert wait_until(lambda: served_by(logs, ws_port), timeout_s=10)
    assert served_by(logs, ws_port) == [f"GET /teams/{team.id}/live?after={after} 101"]
    assert {f"GET /teams/{team.id} 200", "POST /activities/ 303"} <= set(served_by(logs, web_port))


def test_nginx_takes_the_apps_upload_limits_a_strava_export_only_where_it_is_imported(
    through_nginx,
):
    base_url = through_nginx[0]
    too_large_for_a_log = 42 * 1024 * 1024  # over MAX_CONTENT_LENGTH (four photos and the form)
    a_strava_export = 900 * 1024 * 1024  # under imports.MAX_EXPORT_BYTES

    refused_by_nginx = answer_to_head(
        base_url, f"POST /activities/ HTTP/1.1\nHost: x\nContent-Length: {too_large_for_a_log}\n"
    )
    judged_by_the_app = answer_to_head(
        base_url, f"POST /imports/ HTTP/1.1\nHost: x\nContent-Length: {a_strava_export}\n"
    )

    assert refused_by_nginx.startswith("HTTP/1.1 413") and "<center>nginx</center>" in (
        refused_by_nginx
    )
    # nginx lets an export through to the app, which refuses a stranger's at once (only a
    # walker may send that much) with its own page.
    assert judged_by_the_app.startswith("HTTP/1.1 413")
    assert "That upload is too large." in judged_by_the_app


def test_static_files_come_through_nginx_pre_compressed_and_immutable(through_nginx):
    base_url = through_nginx[0]
    page = Browser(base_url).get("/")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)

    answer = answer_to_head(
        base_url, f"GET {stylesheet} HTTP/1.1\nHost: x\nAccept-Encoding: br\nConnection: close\n"
    )

    head = answer.split("\r\n\r\n", 1)[0]
    assert head.startswith("HTTP/1.1 200")
    assert "Content-Encoding: br" in head
    assert "Cache-Control: public, max-age=31536000, immutable" in head
