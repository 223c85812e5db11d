"""Sessions end on the server: a copied cookie stops working once its session is over."""

import pytest
from sqlalchemy import select, update

from milequest.extensions import db
from milequest.models import WalkerSession
from milequest.models.base import utcnow
from milequest.services.walkers import walker_sessions
from tests.factories import PASSWORD, make_user
from tests.helpers import log_in, post_form

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36"
)


def _device(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def _with_cookie(app, name: str, value: str):
    """A new browser that holds only a copy of one cookie."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def _logged_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_a_copied_session_cookie_stops_working_after_log_out(app, client):
    user = make_user()
    log_in(client, user)
    copy = client.get_cookie("session").value
    assert _logged_in(_with_cookie(app, "session", copy))  # the copy works while logged in

    post_form(client, "/logout", {})

    assert not _logged_in(client)
    assert not _logged_in(_with_cookie(app, "session", copy))


def test_a_copied_remember_me_cookie_is_refused_after_log_out_everywhere(app, client):
    user = make_user()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token").value
    assert _logged_in(_with_cookie(app, "remember_token", remembered))
    other_device = _device(app, CHROME_WINDOWS)
    log_in(other_device, user)

    response = post_form(client, "/sessions/end-all", {}, token_page="/profile")

    assert response.status_code == 303
    assert not _logged_in(_with_cookie(app, "remember_token", remembered))
    assert not _logged_in(client)
    assert not _logged_in(other_device)


def test_the_profile_lists_devices_and_ends_one_without_javascript(app):
    user = make_user()
    phone, laptop = _device(app, FIREFOX_ANDROID), _device(app, CHROME_WINDOWS)
    log_in(phone, user)
    log_in(laptop, user)

    page = phone.get("/profile").get_data(as_text=True)
    assert "Firefox on Android" in page and "Chrome on Windows" in page
    assert page.count('<span class="badge">this device</span>') == 1
    laptop_session = db.session.scalar(
        select(WalkerSession.id).where(WalkerSession.user_agent == CHROME_WINDOWS)
    )

    response = post_form(phone, f"/sessions/{laptop_session}/end", {}, token_page="/profile")

    assert response.status_code == 303 and response.headers["Location"].endswith("/profile")
    assert not _logged_in(laptop)
    assert _logged_in(phone)
    assert "Chrome on Windows" not in phone.get("/profile").get_data(as_text=True)


def test_a_walker_cannot_end_someone_elses_session(app, client):
    walker, stranger = make_user(), make_user()
    strangers_browser = app.test_client()
    log_in(strangers_browser, stranger)
    log_in(client, walker)
    strangers_session = db.session.scalar(
        select(WalkerSession.id).where(WalkerSession.user_id == stranger.id)
    )

    post_form(client, f"/sessions/{strangers_session}/end", {}, token_page="/profile")

    assert _logged_in(strangers_browser)


def test_ending_the_current_session_from_the_list_logs_out(client):
    user = make_user()
    log_in(client, user)
    own = db.session.scalar(select(WalkerSession.id).where(WalkerSession.user_id == user.id))

    response = post_form(client, f"/sessions/{own}/end", {}, token_page="/profile")

    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)


def test_ending_a_session_needs_the_csrf_token(client):
    user = make_user()
    log_in(client, user)
    own = db.session.scalar(select(WalkerSession.id).where(WalkerSession.user_id == user.id))

    assert client.post(f"/sessions/{own}/end").status_code == 400
    assert _logged_in(client)


def test_an_expired_session_is_refused(client):
    user = make_user()
    log_in(client, user)
    db.session.execute(update(WalkerSession).values(expires_at=utcnow()))

    assert not _logged_in(client)


@pytest.mark.committing
def test_last_seen_moves_at_most_every_few_minutes(app, client):
    user = make_user()
    db.session.commit()
    log_in(client, user)
    long_ago = utcnow() - 2 * walker_sessions.SEEN_EVERY
    db.session.execute(update(WalkerSession).values(last_seen_at=long_ago))
    db.session.commit()

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(select(WalkerSession.last_seen_at))

    client.get("/dashboard")
    seen = last_seen()
    assert seen > long_ago
    client.get("/dashboard")
    assert last_seen() == seen  # no write for a request a moment later
