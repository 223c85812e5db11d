"""A live server in a thread and Debian's headless Chromium driven by Playwright."""

import shutil
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from milequest.services.live import live_hub

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's 5 s default fails a correct page on a loaded 2-core machine; a wait ends as soon
# as its condition holds, so a longer limit costs a passing test nothing.
expect.set_options(timeout=20_000)
# Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def _live_server(app):
    """One server for the session: it serves the session's one app, whatever a test sets."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live_url(_live_server, app):
    yield _live_server
    # The hub's thread reads the database for teams it serves, and remembers them: a test's
    # tables are emptied after it, so the hub must not outlive the test.
    live_hub.hub_for(app).stop()


# Package scope: Playwright's sync API keeps an asyncio loop running in this thread while it is
# open, so an asyncio.run() in a test collected after tests/e2e (the bench's) would fail.
@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _pages_close_with_their_test(request):
    """A page left open keeps polling the live server (the bell's badge) into later tests."""
    browser = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    yield
    for context in browser.contexts if browser else ():
        context.close()


@pytest.fixture
def phone(browser):
    """A page in a fresh 360 px wide browser context, JavaScript on."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    yield context.new_page()
    context.close()
