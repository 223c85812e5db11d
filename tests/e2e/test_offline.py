"""Offline-first: installable, walks logged offline sync exactly once, pages open offline."""

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from playwright.sync_api import expect
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import Activity, Journey, Team, User
from milequest.services.core import counters
from milequest.services.teamwork import teams
from milequest.services.walkers import walker_sessions
from milequest.services.walks.activities import BACKDATE_DAYS, today_for
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.sessions import log_in, log_out
from tests.factories import PASSWORD, add_member, make_journey, make_team

pytestmark = pytest.mark.committing
PHONE = {"width": 360, "height": 740}
CACHED_PAGES = "caches.open('milequest-pages').then(c => c.keys()).then(k => k.map(r => r.url))"
# As on a browser without Background Sync (Firefox, Safari): pages replay, the worker does not.
WITHOUT_BACKGROUND_SYNC = """() => Object.defineProperty(
    ServiceWorkerRegistration.prototype, "sync", { get: () => undefined })"""
# Rewrites the date field of a cached page ([url, {old: new}]), as if served on another day.
SERVED_ON_ANOTHER_DAY = """async ([url, changes]) => {
    const cache = await caches.open("milequest-pages");
    const cached = await cache.match(url);
    const html = (await cached.text()).replace(/<input[^>]*name="activity_date"[^>]*>/, tag =>
        Object.entries(changes).reduce((t, [old, now]) => t.replaceAll(old, now), tag));
    const headers = new Headers(cached.headers);
    headers.delete("Content-Length");
    await cache.put(url, new Response(html, { headers: headers }));
}"""
# The page's POSTs wait for window.releasePosts(); window.heldPosts counts them.
HOLD_POSTS = """() => {
    const send = window.fetch;
    const released = new Promise(resolve => { window.releasePosts = resolve; });
    window.heldPosts = 0;
    window.fetch = (url, options) => {
        if (!options || options.method !== "POST") return send(url, options);
        window.heldPosts += 1;
        return released.then(() => send(url, options));
    };
}"""


def walker_on_a_journey():
    journey = make_journey()
    team = db.session.get(Team, journey.team_id)
    walker = add_member(team).user
    db.session.commit()
    return walker, team


def activities_of(walker) -> int:
    db.session.rollback()  # see what the live server committed
    query = select(func.count()).select_from(Activity).where(Activity.user_id == walker.id)
    return db.session.scalar(query)


def controlled(page):
    """Wait until the service worker controls the page (it claims open pages on activation)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def on_the_team_page(browser, live_url, **options):
    """A walker on a journey, logged in on a phone, on their team page (so it is cached)."""
    walker, team = walker_on_a_journey()
    context = browser.new_context(viewport=PHONE, **options)
    page = context.new_page()
    log_in(page, live_url, walker.email)
    if options.get("service_workers") != "block":
        controlled(page)
    page.goto(f"{live_url}/teams/{team.id}")
    return walker, team, context, page


def log_offline(page, context, distance: str):
    context.set_offline(True)
    page.get_by_label("Distance").fill(distance)
    page.get_by_role("button", name="Log it").click()
    expect(saved_note(page)).to_be_visible()


def saved_note(page):
    return page.get_by_role("status").filter(has_text="Saved on this phone")


# True once the service worker has kept the pages of walker `id` (it starts on each page load).
# wait_for_function does not wait for a promise: each poll reads what the previous one found.
KEPT_FOR_WALKER = """id => {
    caches.open("milequest-pages").then(c => c.match("/offline/pages"))
        .then(kept => kept ? kept.json() : {}).then(kept => { window.keptFor = kept.walker; });
    return window.keptFor === id;
}"""


# Sets window.forgotten once nothing of a walker is left in the pages cache (see above).
FORGOTTEN = """caches.open("milequest-pages").then(c => c.keys())
    .then(keys => { window.forgotten = !keys.some(k => /teams|dashboard|pages/.test(k.url)); });"""


def kept_for_offline(page, walker):
    page.wait_for_function(KEPT_FOR_WALKER, arg=str(walker.id))


def logged_in_then_offline(browser, live_url):
    """A walker in two teams logs in on a phone, closes the app and opens it again offline."""
    walker, team = walker_on_a_journey()
    other_team = make_team(name="Second team")
    add_member(other_team, walker)
    db.session.commit()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_url, walker.email)  # the dashboard: the only page visited
    kept_for_offline(page, walker)
    page.close()
    context.set_offline(True)
    return walker, [team, other_team], context, context.new_page()


def journey_distance_m(team) -> float:
    db.session.rollback()  # see what the live server committed
    return float(db.session.scalar(select(Journey.distance_m).filter_by(team_id=team.id)))


def no_drift() -> bool:
    db.session.rollback()
    return not any(counters.find_drift().values())


def test_a_walk_logged_offline_reaches_the_team_once_back_online(browser, live_url):
    walker, team, context, page = on_the_team_page(browser, live_url)

    log_offline(page, context, "3.2")
    expect(page.locator("#sync-badge")).to_have_text("1 waiting to sync", use_inner_text=True)
    assert page.locator("#activity-form input[name=distance]").input_value() == ""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert activities_of(walker) == 0

    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk")
    expect(page.locator("#sync-badge")).to_be_hidden()
    cached = page.evaluate(CACHED_PAGES)
    assert f"{live_url}/teams/{team.id}" in cached
    assert not [url for url in cached if "/offline/token" in url or url.endswith("/activities/")]
    page.reload()
    expect(page.locator("#journey-progress")).to_contain_text("3.2 km")
    assert activities_of(walker) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_quick_pick_tapped_offline_says_and_logs_its_own_unit(browser, live_url):
    _walker, team, context, page = on_the_team_page(browser, live_url)
    context.set_offline(True)
    page.get_by_label("miles").check()

    page.get_by_role("button", name="2 mi").click()

    expect(saved_note(page)).to_contain_text("2 mi walk on")
    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk: 3.2 km walk on")
    assert journey_distance_m(team) == pytest.approx(3218.688)
    context.close()


def test_one_saved_walk_replayed_from_two_tabs_at_once_counts_once(browser, live_url):
    walker, _team, context, first = on_the_team_page(browser, live_url)
    first.evaluate(WITHOUT_BACKGROUND_SYNC)  # only the two tabs replay, never the worker
    log_offline(first, context, "2.5")
    second = context.new_page()
    second.goto(f"{live_url}/offline/queue")  # from the cache's offline page: no network
    expect(second.locator("#sync-badge")).to_have_text("1 waiting to sync", use_inner_text=True)
    for page in (first, second):
        page.evaluate(HOLD_POSTS)
    context.set_offline(False)

    for page in (first, second):  # joins the replay going online started, or starts one
        page.evaluate("() => { window.replayed = MileQuestQueue.replay({ force: true }); }")
    for page in (first, second):
        page.wait_for_function("() => window.heldPosts === 1")  # both tabs sent the walk
    for page in (first, second):
        page.evaluate("() => window.releasePosts()")
    results = [page.evaluate("() => window.replayed") for page in (first, second)]

    assert [result["synced"] for result in results] == [1, 1]  # the second was a duplicate
    assert [page.evaluate("() => window.heldPosts") for page in (first, second)] == [1, 1]
    assert activities_of(walker) == 1
    second.reload()
    expect(second.locator("#offline-queue-empty")).to_be_visible()
    context.close()


def test_a_server_error_during_the_first_replay_is_retried_and_nothing_is_lost(browser, live_url):
    # No service worker: the page replays by itself, as on browsers without Background Sync.
    walker, _team, context, page = on_the_team_page(browser, live_url, service_workers="block")
    answered = []

    def fail_the_first_post(route):
        if route.request.method == "POST" and not answered:
            answered.append(500)
            route.fulfill(status=500, body="Something went wrong on our side.")
        else:
            route.continue_()

    context.route(f"{live_url}/activities/", fail_the_first_post)
    log_offline(page, context, "1.7")
    pages = []
    context.on("request", lambda r: pages.append(r.url) if r.resource_type == "document" else None)

    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk", timeout=15_000)
    assert answered == [500]
    assert activities_of(walker) == 1
    expect(page.locator("#sync-badge")).to_be_hidden()
    assert pages == []  # the 303 is the answer: the team page it points to is not fetched
    context.close()


def test_a_walk_stays_when_the_session_ends_between_its_token_and_its_post(browser, live_url, app):
    walker, _team, context, page = on_the_team_page(browser, live_url, service_workers="block")
    tokens = []

    def end_the_sessions_elsewhere_once_a_token_is_out(route):
        response = route.fetch()
        if not tokens:
            with app.app_context():  # Playwright calls this in a greenlet of its own
                walker_sessions.end_all_sessions(walker.id)
                db.session.commit()  # ends this phone's session: its CSRF token still passes
        tokens.append(response.status)
        route.fulfill(response=response)

    context.route(f"{live_url}/offline/token", end_the_sessions_elsewhere_once_a_token_is_out)
    log_offline(page, context, "2.2")

    context.set_offline(False)
    expect(page.locator("#sync-badge")).to_have_text(
        "1 waiting to sync · log in", use_inner_text=True
    )
    assert tokens == [200, 401]  # the post answered a redirect: to the log-in page, it turned out
    assert activities_of(walker) == 0
    context.close()


def past_the_csrf_time_limit(app, monkeypatch):
    """From now on the server signs and checks tokens as if their time limit had passed."""
    later = app.config["WTF_CSRF_TIME_LIMIT"] + 60
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + later)


def test_a_walk_saved_before_its_csrf_token_expired_is_accepted_once(
    browser, live_url, app, monkeypatch
):
    walker, _team, context, page = on_the_team_page(browser, live_url)
    log_offline(page, context, "4")
    past_the_csrf_time_limit(app, monkeypatch)  # the token the form carried has expired

    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk")
    assert activities_of(walker) == 1
    context.close()


def test_a_page_cached_on_an_earlier_day_logs_a_walk_offline_on_the_phones_today(browser, live_url):
    walker, team, context, page = on_the_team_page(browser, live_url, timezone_id="UTC")
    today = today_for(walker)
    a_day = timedelta(days=1)
    yesterday, earliest = today - a_day, today - timedelta(days=BACKDATE_DAYS)
    served_yesterday = {f'"{today}"': f'"{yesterday}"', f'"{earliest}"': f'"{earliest - a_day}"'}
    page.evaluate(SERVED_ON_ANOTHER_DAY, [f"{live_url}/teams/{team.id}", served_yesterday])
    context.set_offline(True)

    page.goto(f"{live_url}/teams/{team.id}")
    expect(page.locator("#offline-as-of")).to_be_visible()
    day = page.get_by_label("Date")
    assert [day.input_value(), day.get_attribute("max"), day.get_attribute("min")] == [
        today.isoformat(),
        today.isoformat(),
        earliest.isoformat(),
    ]
    log_offline(page, context, "1.5")
    assert day.input_value() == today.isoformat()  # the form, reset for the next walk
    log_offline(page, context, "0.5")
    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 2 saved walks")

    db.session.rollback()  # see what the live server committed
    assert db.session.scalars(
        select(Activity.activity_date).filter_by(user_id=walker.id)
    ).all() == [today, today]
    context.close()


def test_a_saved_walk_waits_for_log_in_when_the_session_ended(browser, live_url):
    walker, _team, context, page = on_the_team_page(browser, live_url)
    log_offline(page, context, "2")
    context.clear_cookies()

    context.set_offline(False)
    page.goto(f"{live_url}/offline/queue")
    expect(page.locator("#offline-login")).to_be_visible()
    expect(page.locator("#sync-badge")).to_have_text(
        "1 waiting to sync · log in", use_inner_text=True
    )
    assert activities_of(walker) == 0

    page.locator("#offline-login a").click()
    page.get_by_label("Email").fill(walker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk")
    assert activities_of(walker) == 1
    context.close()


def test_a_rejected_walk_stays_with_its_reason_to_fix_or_discard(browser, live_url):
    walker, _team, context, page = on_the_team_page(browser, live_url)
    page.get_by_text("More:").click()  # the note is folded away on the team page
    page.get_by_label("Note").evaluate("note => note.removeAttribute('maxlength')")
    page.get_by_label("Note").fill("x" * 600)  # more than the server takes
    log_offline(page, context, "1")

    context.set_offline(False)
    page.goto(f"{live_url}/offline/queue")
    entry = page.locator(".queue-entry--rejected")
    expect(entry).to_contain_text("not accepted")
    expect(page.locator("#sync-badge")).to_have_text("1 waiting to sync", use_inner_text=True)
    assert activities_of(walker) == 0

    entry.get_by_role("button", name="Fix").click()
    page.get_by_label("Note").fill("lunch loop")
    page.get_by_role("button", name="Send it").click()
    expect(page.locator("#flashes")).to_contain_text("Logged 1 km")
    expect(page.locator("#sync-badge")).to_be_hidden()
    assert activities_of(walker) == 1
    context.close()


def test_visited_pages_and_the_offline_page_open_without_a_network(browser, live_url):
    _walker, team, context, page = on_the_team_page(browser, live_url)
    context.set_offline(True)

    page.goto(f"{live_url}/teams/{team.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(team.name)
    expect(page.locator("#offline-as-of")).to_contain_text(re.compile(r"Offline, as of \d"))
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the CSS loaded

    page.goto(f"{live_url}/routes/")  # never visited
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    page.goto(f"{live_url}/offline")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    context.close()


def test_logging_out_clears_the_cached_pages(browser, live_url):
    _walker, team, context, page = on_the_team_page(browser, live_url)
    assert f"{live_url}/teams/{team.id}" in page.evaluate(CACHED_PAGES)

    log_out(page)
    expect(page.locator("#flashes")).to_contain_text("You are logged out")
    assert not [
        url for url in page.evaluate(CACHED_PAGES) if "/teams/" in url or "dashboard" in url
    ]
    context.set_offline(True)
    page.goto(f"{live_url}/teams/{team.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text(team.name)).to_have_count(0)
    context.close()


def test_chromium_finds_the_app_installable(browser, live_url, tmp_path):
    # Chromium never offers to install from an off-the-record context (Playwright's
    # new_context): ask a profile on disk, as a phone's browser has.
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE
    )
    page = context.new_page()
    page.goto(live_url)
    controlled(page)
    session = context.new_cdp_session(page)

    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]

    assert errors == []
    manifest = session.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_url}/manifest.webmanifest" and not manifest["errors"]
    context.close()


def test_the_saved_note_shows_next_to_the_button_the_walker_tapped(browser, live_url):
    _walker, _team, context, page = on_the_team_page(browser, live_url)
    page.get_by_role("button", name="Log it").scroll_into_view_if_needed()

    log_offline(page, context, "2")

    box = saved_note(page).bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert page.get_by_role("button", name="Log it").is_visible()
    context.close()


def test_a_walk_logged_offline_on_a_fresh_page_load_after_log_in_is_saved_once(browser, live_url):
    walker, [team, _other], context, page = logged_in_then_offline(browser, live_url)

    page.goto(f"{live_url}/dashboard")  # the app's start page
    expect(page.locator("#offline-as-of")).to_be_visible()
    page.get_by_role("link", name="Log a walk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a walk")
    expect(page.get_by_role("button", name="Log it")).to_be_in_viewport()
    page.get_by_label("Distance").fill("2.4")
    page.get_by_role("button", name="Log it").click()
    expect(saved_note(page)).to_be_visible()
    expect(page.locator("#sync-badge")).to_have_text("1 waiting to sync", use_inner_text=True)
    assert activities_of(walker) == 0

    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk: 2.4 km walk on")
    expect(page.locator("#sync-badge")).to_be_hidden()
    assert activities_of(walker) == 1
    assert journey_distance_m(team) == 2400
    context.close()


def test_offline_every_log_form_the_queue_and_unsaved_pages_let_a_walker_log(browser, live_url):
    walker, my_teams, context, page = logged_in_then_offline(browser, live_url)

    for team in my_teams:
        page.goto(f"{live_url}/activities/new?team={team.id}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log a walk")
        assert page.locator("#activity-form input[name=team_id]").input_value() == str(team.id)
        page.goto(f"{live_url}/teams/{team.id}")
        expect(page.get_by_role("heading", level=1)).to_have_text(team.name)
    page.goto(f"{live_url}/offline/queue")  # where the header's badge leads
    expect(page.get_by_role("heading", level=1)).to_have_text("Walks on this phone")
    page.goto(f"{live_url}/routes/")  # never opened: the walker's own offline page
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    log_out_button = page.get_by_role("button", name="Log out", exact=True, include_hidden=True)
    expect(log_out_button).to_be_attached()  # in the header's menu
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    expect(page.get_by_role("button", name="Log it")).to_be_in_viewport()
    for distance in ("1", "2"):  # two walks from one cached page: two client ids
        page.get_by_label("Distance").fill(distance)
        page.get_by_role("button", name="Log it").click()
        expect(saved_note(page)).to_contain_text(f"{distance} km walk")
    expect(page.locator("#sync-badge")).to_have_text("2 waiting to sync", use_inner_text=True)

    context.set_offline(False)
    expect(page.locator("#main")).to_contain_text("Synced 2 saved walks")
    assert activities_of(walker) == 2
    context.close()


def test_background_sync_replays_a_walk_for_a_team_the_walker_has_left(browser, live_url):
    walker, team, context, page = on_the_team_page(browser, live_url)
    page.evaluate("() => { MileQuestQueue.replay = () => Promise.resolve({}); }")  # the worker's
    log_offline(page, context, "2.6")
    teams.leave_team(db.session.get(Team, team.id), db.session.get(User, walker.id))
    db.session.commit()  # on another device, while this phone was offline
    assert activities_of(walker) == 0

    # Chromium's own Background Sync: Playwright's offline emulation reaches the worker (as
    # DevTools' does), so the sync registered offline fires once the context is back online.
    context.set_offline(False)

    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk: 2.6 km walk on")
    expect(page.locator("#main")).to_contain_text(f"You have left {team.name}, where you logged it")
    expect(page.locator("#sync-badge")).to_be_hidden()
    assert activities_of(walker) == 1
    assert journey_distance_m(team) == 2600  # the day they left still counts, by the rule
    assert no_drift()
    context.close()


def test_a_page_load_replays_a_walk_for_a_team_the_walker_was_removed_from(browser, live_url):
    walker, team, context, page = on_the_team_page(browser, live_url, service_workers="block")
    log_offline(page, context, "1.8")
    page.close()
    team = db.session.get(Team, team.id)
    teams.leave_team(team, db.session.get(User, walker.id), removed_by=team.created_by)
    db.session.commit()

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_url}/dashboard")

    expect(page.locator("#flashes")).to_contain_text("Synced 1 saved walk: 1.8 km walk on")
    expect(page.locator("#flashes")).to_contain_text("it counts for no team's journey")
    expect(page.locator("#flashes")).to_contain_text(f"You have left {team.name}")
    assert activities_of(walker) == 1
    assert journey_distance_m(team) == 0  # removed: what reaches us after it does not count
    assert no_drift()
    context.close()


def test_a_walk_logged_online_on_a_page_kept_hours_ago_passes_the_csrf_check(
    browser, live_url, app, monkeypatch
):
    walker, _teams, context, page = logged_in_then_offline(browser, live_url)
    page.goto(f"{live_url}/activities/new")
    expect(page.locator("#offline-as-of")).to_be_visible()
    past_the_csrf_time_limit(app, monkeypatch)
    context.set_offline(False)  # back online, hours on: the page's CSRF token has expired

    page.get_by_label("Distance").fill("1.2")
    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#main")).to_contain_text("Synced 1 saved walk: 1.2 km walk on")
    assert activities_of(walker) == 1
    context.close()


def test_a_session_changed_elsewhere_keeps_none_of_the_previous_walkers_pages(browser, live_url):
    first, first_team = walker_on_a_journey()
    second, second_team = walker_on_a_journey()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_url, first.email)
    kept_for_offline(page, first)
    elsewhere = browser.new_context()
    log_in(elsewhere.new_page(), live_url, second.email)
    context.clear_cookies()  # the first session ends (it expired) and the second begins
    context.add_cookies(elsewhere.cookies())
    elsewhere.close()

    page.goto(f"{live_url}/dashboard")
    kept_for_offline(page, second)

    cached = page.evaluate(CACHED_PAGES)
    assert f"{live_url}/teams/{second_team.id}" in cached
    assert f"{live_url}/teams/{first_team.id}" not in cached
    assert f"{live_url}/activities/new?team={first_team.id}" not in cached
    dashboard = page.evaluate(
        "url => caches.match(url, { cacheName: 'milequest-pages' }).then(r => r.text())",
        f"{live_url}/dashboard",
    )
    assert f"Hello, {second.display_name}" in dashboard and first.display_name not in dashboard
    context.close()


def test_a_session_that_expired_leaves_no_pages_of_its_walker(browser, live_url):
    walker, team = walker_on_a_journey()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_url, walker.email)
    kept_for_offline(page, walker)
    context.clear_cookies()  # the session expired; the phone is handed to someone else

    page.goto(f"{live_url}/login")
    page.wait_for_function(f"() => {{ {FORGOTTEN} return window.forgotten; }}")

    context.set_offline(True)
    page.goto(f"{live_url}/teams/{team.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text(team.name)).to_have_count(0)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    context.close()
