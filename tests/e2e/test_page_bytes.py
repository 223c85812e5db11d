"""What a phone downloads for the team page, as Chromium's network events count it.

A first visit (empty cache, no map tiles) fetches the page and its files compressed; a repeat
visit fetches only the page: every file has a content-hashed name that the browser keeps for a
year without asking. The service worker is blocked here so that the browser's own HTTP cache
is what is measured (tests/e2e/test_offline.py covers the worker's cache).
"""

import pytest

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import add_member, log, make_journey, make_team, make_user

pytestmark = pytest.mark.committing
FIRST_VISIT_BUDGET = 30 * 1024  # compressed bodies, as the bench weighs pages (issue 16)


class Network:
    """Every response the page's own origin sends, from Chromium's DevTools protocol."""

    def __init__(self, context, page, origin: str) -> None:
        self.origin = origin
        self.requests: dict[str, dict] = {}
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def _response(self, event) -> None:
        response = event["response"]
        if response["url"].startswith(self.origin):
            self.requests[event["requestId"]] = {
                "url": response["url"].removeprefix(self.origin),
                "type": event["type"],
                "encoding": _header(response["headers"], "content-encoding"),
                "cached": response.get("fromDiskCache") or response.get("fromMemoryCache"),
                "headers": int(response["encodedDataLength"]),  # received so far: the head
                "bytes": None,
            }

    def _finished(self, event) -> None:
        if request := self.requests.get(event["requestId"]):
            request["bytes"] = int(event["encodedDataLength"])  # head and body
            request["body"] = request["bytes"] - request["headers"]

    def visit(self, page, url: str) -> list[dict]:
        """Load `url` and return what went over the network for it (cached files excluded)."""
        self.requests.clear()
        page.goto(url, wait_until="networkidle")
        page.wait_for_function("() => document.readyState === 'complete'")
        assert all(r["bytes"] is not None for r in self.requests.values()), self.requests
        return [r for r in self.requests.values() if not r["cached"] and r["bytes"] > 0]


def _header(headers: dict, name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def a_busy_team():
    team = make_team(name="Byte Counters")
    make_journey(team)
    walkers = [add_member(team, make_user(display_name=f"Walker {n}")).user for n in range(12)]
    for n, walker in enumerate(walkers):
        log(walker, 2.5 + n)
    db.session.commit()
    return team, walkers[0]


def test_a_team_page_first_visit_is_small_and_a_repeat_visit_fetches_only_the_page(
    browser, live_url
):
    team, walker = a_busy_team()
    context = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="block")
    page = context.new_page()
    log_in(page, live_url, walker.email)
    network = Network(context, page, live_url)
    network.cdp.send("Network.clearBrowserCache")
    team_page = f"{live_url}/teams/{team.id}"

    first = network.visit(page, team_page)
    repeat = network.visit(page, team_page)
    context.close()

    bodies, heads = sum(r["body"] for r in first), sum(r["headers"] for r in first)
    print(f"\nteam page, first visit: {len(first)} responses, bodies {bodies} B, heads {heads} B")
    for r in first:
        print(f"  {r['body']:>6} + {r['headers']:>4}  {r['encoding'] or '-':<5} {r['url']}")
    print(f"repeat visit: {[(r['url'], r['bytes']) for r in repeat]}")
    assert first[0]["url"] == f"/teams/{team.id}" and first[0]["encoding"] in ("br", "zstd")
    assert {r["type"] for r in first} >= {"Document", "Stylesheet", "Script"}
    text_files = [r for r in first if r["type"] in ("Stylesheet", "Script")]
    assert all(r["encoding"] == "br" for r in text_files), text_files
    assert bodies <= FIRST_VISIT_BUDGET
    assert [(r["url"], r["type"]) for r in repeat] == [(f"/teams/{team.id}", "Document")]
