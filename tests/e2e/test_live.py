"""Two teammates on the team page: what one does appears on the other's page without a reload."""

import pytest
from playwright.sync_api import expect

from milequest.extensions import db
from tests.e2e.sessions import log_in
from tests.factories import add_member, make_team, make_user

# Under the 15 s poll that stands in when the socket is down: only the socket can be this quick.
LIVE_MS = 10_000


@pytest.mark.committing
def test_a_change_on_one_page_appears_live_on_the_other(browser, live_url):
    captain = make_user(email="live-cap@example.com", display_name="Cleo Captain")
    walker = make_user(email="live-walker@example.com", display_name="Wes Walker")
    team = make_team(captain, name="Live Wires")
    membership = add_member(team, walker)
    db.session.commit()
    pages = {}
    for user in (captain, walker):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.on("console", lambda m, p=page: pages.setdefault("console", []).append(m.text))
        log_in(page, live_url, user.email)
        with page.expect_event("websocket") as opened:
            page.goto(f"{live_url}/teams/{team.id}")
        expect(page.locator("#team-event-list")).to_contain_text("Wes Walker joined")
        pages[user.email] = (page, opened.value)
    captain_page, _ = pages[captain.email]
    walker_page, socket = pages[walker.email]
    reloads = []
    walker_page.on("framenavigated", lambda frame: reloads.append(frame.url))
    expect(walker_page.get_by_role("button", name="Make captain")).to_have_count(0)

    captain_page.locator(f"#member-{membership.id}-name").wait_for()
    captain_page.get_by_role("button", name="Make captain").click()

    expect(walker_page.locator("#team-event-list li").first).to_contain_text(
        "Cleo Captain made Wes Walker captain", timeout=LIVE_MS
    )
    # #members depends on who looks: the walker's page fetched its own copy, and being a
    # captain now, sees the captain's buttons.
    expect(walker_page.get_by_role("button", name="Make member")).to_have_count(2, timeout=LIVE_MS)
    assert reloads == []
    assert not socket.is_closed()
    assert not [m for m in pages.get("console", []) if "Content Security Policy" in m]
    expect(walker_page.locator("#team-live-cursor")).not_to_have_attribute("data-after", "0")
