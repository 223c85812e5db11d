from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import User
from tests.factories import make_user
from tests.helpers import csrf_token, link_in, outbox, post_form

GOOD = {"email": "ada@example.com", "display_name": "Ada", "password": "a long enough secret"}


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_signup_creates_unverified_account_and_emails_a_link(client):
    response = post_form(client, "/signup", GOOD)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/signup/check-email")
    user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
    assert user.display_name == "Ada" and not user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    [email] = outbox("ada@example.com")
    assert "/verify/" in email.body_text


def test_signup_with_bad_input_answers_422_with_messages_and_creates_nothing(client):
    response = post_form(
        client, "/signup", {"email": "not-an-email", "display_name": "", "password": "short"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter an email address" in page
    assert "Use 10 to 256 characters" in page
    assert 'value="not-an-email"' in page  # the walker's input is kept
    assert count_users() == 0
    assert outbox() == []


def test_signup_over_htmx_answers_422_for_the_form_to_swap(client):
    response = post_form(client, "/signup", {**GOOD, "password": "x"}, htmx=True)
    assert response.status_code == 422
    assert "Use 10 to 256 characters" in response.get_data(as_text=True)


def test_signup_with_taken_email_looks_the_same_and_warns_the_owner(client):
    owner = make_user(email="ada@example.com")

    response = post_form(client, "/signup", {**GOOD, "email": "ADA@example.com "})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/signup/check-email")
    assert count_users() == 1
    assert db.session.get(User, owner.id).display_name != "Ada"
    [notice] = outbox("ada@example.com")
    assert "tried to sign up" in notice.subject


def test_verifying_from_the_signup_browser_logs_in(client):
    post_form(client, "/signup", GOOD)
    [email] = outbox("ada@example.com")

    response = client.get(link_in(email, "/verify/"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert db.session.scalar(select(User)).is_verified
    assert "Hello, Ada" in client.get("/dashboard").get_data(as_text=True)


def test_verify_link_opened_elsewhere_confirms_but_does_not_log_in(app, client):
    post_form(client, "/signup", GOOD)
    [email] = outbox("ada@example.com")
    other_browser = app.test_client()

    response = other_browser.get(link_in(email, "/verify/"))

    assert response.headers["Location"].endswith("/login")
    assert db.session.scalar(select(User)).is_verified
    assert other_browser.get("/dashboard").status_code == 302


def test_tampered_verify_link_shows_a_clear_page(client):
    response = client.get("/verify/not-a-real-token")
    assert response.status_code == 400
    assert "link" in response.get_data(as_text=True).lower()


def test_signup_without_csrf_token_is_refused_and_creates_nothing(client):
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 400
    assert count_users() == 0


def test_signup_with_wrong_csrf_token_is_refused(client):
    csrf_token(client)
    response = client.post("/signup", data={**GOOD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert count_users() == 0


def test_signup_is_rate_limited_per_address(app, client):
    app.config["RATELIMIT_SIGNUP"] = "2 per hour"
    try:
        for _ in range(2):
            assert post_form(client, "/signup", GOOD).status_code == 303
        response = post_form(client, "/signup", GOOD)
    finally:
        app.config["RATELIMIT_SIGNUP"] = "10 per hour"
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_signup_keeps_the_browser_time_zone_and_ignores_nonsense(client):
    post_form(client, "/signup", {**GOOD, "timezone": "Europe/Paris"})
    post_form(client, "/signup", {**GOOD, "email": "bo@example.com", "timezone": "Mars/Base"})

    zones = dict(db.session.execute(select(User.email, User.timezone)).all())
    assert zones == {"ada@example.com": "Europe/Paris", "bo@example.com": "UTC"}
