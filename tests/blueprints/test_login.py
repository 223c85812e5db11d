import logging

import pytest
import redis

from milequest.lib.passwords import hash_password
from tests.factories import PASSWORD, make_user
from tests.helpers import HTMX_HEADERS, csrf_token, log_in, post_form


def test_login_with_right_password_goes_to_dashboard(client):
    user = make_user()
    response = log_in(client, user)
    assert response.headers["Location"].endswith("/dashboard")
    assert user.display_name in client.get("/dashboard").get_data(as_text=True)


def test_login_is_case_insensitive_on_email(client):
    make_user(email="Grace@Example.com")
    response = post_form(client, "/login", {"email": "grace@EXAMPLE.com", "password": PASSWORD})
    assert response.status_code == 303


@pytest.mark.parametrize("password", ["tab\tinside it", "nul\x00inside it", "bell\x07ringing"])
def test_a_password_holding_control_characters_logs_in(client, password):
    user = make_user(password_hash=hash_password(password))
    assert log_in(client, user, password).headers["Location"].endswith("/dashboard")


@pytest.mark.parametrize("email_known", [True, False])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, email_known):
    make_user(email="known@example.com")
    email = "known@example.com" if email_known else "nobody@example.com"

    response = post_form(client, "/login", {"email": email, "password": "wrong password"})

    assert response.status_code == 422
    assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_over_htmx_reloads_the_whole_page(client):
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        headers=HTMX_HEADERS,
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/dashboard"


def test_next_on_this_site_is_followed(client):
    user = make_user()
    response = post_form(
        client, "/login?next=/profile", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/profile")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "\\\\evil",
    ],
)
def test_next_to_another_host_is_refused(client, target):
    user = make_user()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard"


def test_failed_logins_for_one_account_are_rate_limited(app, client):
    user = make_user()
    app.config["RATELIMIT_LOGIN_ACCOUNT"] = "3 per 10 minutes"
    try:
        codes = [
            post_form(client, "/login", {"email": user.email, "password": "nope nope"}).status_code
            for _ in range(4)
        ]
        right = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    finally:
        app.config["RATELIMIT_LOGIN_ACCOUNT"] = "10 per 10 minutes"
    assert codes == [422, 422, 422, 429]
    assert right.status_code == 429  # even the right password waits: guessing is paused
    assert 1 <= int(right.headers["Retry-After"]) <= 600


def test_an_accounts_limit_keeps_its_address_out_of_logs_and_redis(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user(email="guarded.walker@example.com")
    app.config["RATELIMIT_LOGIN_ACCOUNT"] = "1 per 10 minutes"
    try:
        codes = [
            post_form(client, "/login", {"email": user.email, "password": "nope nope"}).status_code
            for _ in range(2)
        ]
    finally:
        app.config["RATELIMIT_LOGIN_ACCOUNT"] = "10 per 10 minutes"
    assert codes == [422, 429]
    assert "guarded.walker" not in caplog.text
    keys = redis.Redis.from_url(app.config["REDIS_URL"]).keys("*")
    assert keys and not [k for k in keys if b"guarded.walker" in k]


def test_successful_htmx_logins_do_not_count_as_failures(app, client):
    user = make_user()
    app.config["RATELIMIT_LOGIN_ACCOUNT"] = "2 per 10 minutes"
    try:
        codes = [
            post_form(
                client, "/login", {"email": user.email, "password": PASSWORD}, htmx=True
            ).status_code
            for _ in range(3)
        ]
    finally:
        app.config["RATELIMIT_LOGIN_ACCOUNT"] = "10 per 10 minutes"
    assert codes == [200, 200, 200]


def test_logins_from_one_address_are_rate_limited(app, client):
    app.config["RATELIMIT_LOGIN"] = "2 per 10 minutes"
    try:
        codes = [
            post_form(client, "/login", {"email": f"u{i}@example.com", "password": "x"}).status_code
            for i in range(3)
        ]
    finally:
        app.config["RATELIMIT_LOGIN"] = "20 per 10 minutes"
    assert codes == [422, 422, 429]


def test_logout_needs_a_post_with_csrf(client):
    user = make_user()
    log_in(client, user)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200

    response = post_form(client, "/logout", {}, token_page="/dashboard")
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 302


def test_pages_that_need_an_account_send_to_login_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/profile"


def test_htmx_request_without_a_session_reloads_the_login_page(client):
    response = client.get("/profile", headers=HTMX_HEADERS)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/login")
