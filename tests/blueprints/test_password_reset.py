import re

import pytest

from milequest.extensions import db
from milequest.lib import passwords
from milequest.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import link_in, log_in, outbox, post_form, signing_clock_moved_on

CSRF_TOKEN = re.compile(
    r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrf_token" type="hidden" value=")[^"]+'
)
NEW = {"password": "a brand new secret", "confirm": "a brand new secret"}


def same_page(response) -> str:
    """The page without its CSRF tokens, which carry the second they were signed in."""
    return CSRF_TOKEN.sub("TOKEN", response.get_data(as_text=True))


def request_reset(client, email: str):
    return post_form(client, "/reset", {"email": email})


def test_unknown_email_gets_the_same_answer_as_a_known_one(client):
    make_user(email="known@example.com")

    known = request_reset(client, "known@example.com")
    unknown = request_reset(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert same_page(known).replace("known@", "X@") == same_page(unknown).replace("nobody@", "X@")
    assert "TOKEN" in same_page(known)  # the tokens were there, and are set aside
    assert len(outbox("known@example.com")) == 1
    assert outbox("nobody@example.com") == []


def test_reset_link_sets_a_new_password_and_logs_in(client):
    user = make_user()
    request_reset(client, user.email)
    path = link_in(outbox(user.email)[0], "/reset/")

    assert client.get(path).status_code == 200
    response = post_form(client, path, NEW, token_page=path)

    assert response.status_code == 303
    assert passwords.verify_password(db.session.get(User, user.id).password_hash, NEW["password"])
    assert client.get("/dashboard").status_code == 200


def test_reset_link_works_only_once(client):
    user = make_user()
    request_reset(client, user.email)
    path = link_in(outbox(user.email)[0], "/reset/")
    post_form(client, path, NEW, token_page=path)

    again = post_form(client, path, {"password": "third secret!!", "confirm": "third secret!!"})

    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert passwords.verify_password(db.session.get(User, user.id).password_hash, NEW["password"])
    assert client.get(path).status_code == 400


def test_expired_reset_link_is_refused(app, client, monkeypatch):
    user = make_user()
    request_reset(client, user.email)
    path = link_in(outbox(user.email)[0], "/reset/")
    signing_clock_moved_on(monkeypatch, app.config["PASSWORD_RESET_MAX_AGE_S"] + 60)
    response = post_form(client, path, NEW)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert passwords.verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_reset_with_mismatched_passwords_answers_422_and_keeps_the_old_one(client):
    user = make_user()
    request_reset(client, user.email)
    path = link_in(outbox(user.email)[0], "/reset/")

    response = post_form(client, path, {"password": "a brand new secret", "confirm": "other one!!"})

    assert response.status_code == 422
    assert "The two passwords differ" in response.get_data(as_text=True)
    assert passwords.verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_reset_logs_out_other_sessions(app, client):
    user = make_user()
    phone = app.test_client()
    log_in(phone, user)
    request_reset(client, user.email)
    path = link_in(outbox(user.email)[0], "/reset/")

    post_form(client, path, NEW, token_page=path)

    assert phone.get("/dashboard").status_code == 302


def test_reset_requests_are_rate_limited_per_account(app, client):
    user = make_user()
    codes = [request_reset(client, user.email).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert len(outbox(user.email)) == 3


@pytest.mark.parametrize("email", ["", "nope"])
def test_reset_request_with_bad_email_answers_422(client, email):
    assert request_reset(client, email).status_code == 422
