"""Signing in with an OpenID provider, end to end against a real one (npm `oidc-provider`).

Each test drives the whole flow: the app's "Continue with" button, the provider's authorize
endpoint and login page, the app's callback (code exchange with PKCE, state and nonce
checks, the ID token's signature), and what the walker then sees.
"""

import logging
from itertools import count
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import OidcIdentity, User, WalkerSession
from tests.factories import PASSWORD, make_user
from tests.helpers import log_in, post_form
from tests.oidc_provider import LABEL, NAME, path_of

_subjects = count(1)


def _sub() -> str:
    return f"subject-{next(_subjects)}"


def _logged_in_as(client) -> str | None:
    page = client.get("/profile")
    if page.status_code != 200:
        return None
    return page.get_data(as_text=True)


def _users_with(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_the_log_in_page_offers_each_provider_as_a_form_with_csrf(client, oidc):
    response = client.get("/login")
    page = response.get_data(as_text=True)

    # A browser holds the form's redirect to the provider to the page's form-action.
    assert f"form-action 'self' {oidc.issuer};" in response.headers["Content-Security-Policy"]

    assert f'action="/oidc/{NAME}/start"' in page
    assert f"Continue with {LABEL}" in page
    start_form = page.split(f'action="/oidc/{NAME}/start"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in start_form
    assert client.post(f"/oidc/{NAME}/start").status_code == 400  # no CSRF token


def test_a_new_walker_signs_up_with_a_verified_email_and_gets_a_listed_session(client, oidc):
    sub = _sub()

    response = oidc.sign_in(client, sub=sub, email="New.Walker@Example.com", name="Nia Walker")

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "new.walker@example.com"))
    assert user is not None and user.is_verified
    assert user.display_name == "Nia Walker" and user.timezone == "Europe/London"
    assert user.password_hash == ""  # no password until they set one
    identity = db.session.scalar(select(OidcIdentity).where(OidcIdentity.user_id == user.id))
    assert (identity.provider, identity.subject) == (NAME, sub)
    profile = _logged_in_as(client)
    assert profile and "Nia Walker" in profile
    assert LABEL in profile and "Set a password" in profile
    assert "Where you are logged in" in profile and "this device" in profile
    assert "You sign in through a provider" in client.get("/account/delete").get_data(as_text=True)
    sessions = db.session.scalars(select(WalkerSession).where(WalkerSession.user_id == user.id))
    assert [row.ended_at for row in sessions] == [None]

    post_form(client, "/logout", {})
    assert _logged_in_as(client) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(WalkerSession).where(WalkerSession.ended_at.is_(None))
        )
        == 0
    )


def test_a_linked_walker_signs_in_again_by_subject_even_after_an_email_change(client, oidc):
    sub = _sub()
    oidc.sign_in(client, sub=sub, email="first@example.com")
    post_form(client, "/logout", {})

    response = oidc.sign_in(client, sub=sub, email="changed@example.com")

    assert response.status_code == 303
    assert "first@example.com" in _logged_in_as(client)
    assert _users_with("changed@example.com") == 0


def test_an_existing_account_is_linked_when_the_provider_verified_its_email(client, oidc):
    user = make_user(email="linked@example.com")

    response = oidc.sign_in(client, sub=_sub(), email="LINKED@example.com")

    assert response.status_code == 303
    assert _users_with("linked@example.com") == 1
    assert db.session.scalar(select(OidcIdentity.user_id)) == user.id
    post_form(client, "/logout", {})
    log_in(client, user)  # the password still works


def test_an_unverified_provider_email_is_refused(client, oidc):
    user = make_user(email="victim@example.com")

    response = oidc.sign_in(client, sub=_sub(), email="victim@example.com", verified=False)

    assert response.status_code == 303 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "has not confirmed your email address" in page
    assert _logged_in_as(client) is None
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 0
    oidc.sign_in(client, sub=_sub(), email="stranger@example.com", verified=False)
    assert _users_with("stranger@example.com") == 0
    assert user.password_hash != ""


def test_the_authorization_request_carries_pkce_state_and_nonce(client, oidc):
    query = parse_qs(urlsplit(oidc.authorize_url(client)).query)

    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    assert query["scope"] == ["openid email profile"]


def test_a_wrong_state_is_refused(client, oidc, caplog):
    caplog.set_level(logging.INFO, logger="milequest.blueprints.oidc_logins")
    callback = oidc.log_in_at_provider(
        oidc.authorize_url(client), sub=_sub(), email="state@example.com"
    )
    forged = callback.replace("state=", "state=forged", 1)

    response = client.get(path_of(forged))

    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "did not work" in client.get("/login").get_data(as_text=True)
    assert _users_with("state@example.com") == 0
    assert "MismatchingStateError" in caplog.text


def test_a_callback_in_another_browser_is_refused(app, client, oidc):
    callback = oidc.log_in_at_provider(
        oidc.authorize_url(client), sub=_sub(), email="other@example.com"
    )

    other_browser = app.test_client()
    response = other_browser.get(path_of(callback))

    assert response.headers["Location"] == "/login"
    assert _users_with("other@example.com") == 0


def test_a_wrong_nonce_is_refused(client, oidc, caplog):
    caplog.set_level(logging.INFO, logger="milequest.blueprints.oidc_logins")
    authorize_url = oidc.authorize_url(client)
    with client.session_transaction() as session:  # what the app expects, not what it sent
        key = next(k for k in session if k.startswith(f"_state_{NAME}_"))
        stored = session[key]
        stored["data"] = {**stored["data"], "nonce": "not-the-nonce-sent"}
        session[key] = stored
    callback = oidc.log_in_at_provider(authorize_url, sub=_sub(), email="nonce@example.com")

    response = client.get(path_of(callback))

    assert response.headers["Location"] == "/login"
    assert _users_with("nonce@example.com") == 0
    assert "InvalidClaimError" in caplog.text and "nonce" in caplog.text


def test_a_provider_is_removable_only_while_another_way_to_log_in_remains(client, oidc):
    oidc.sign_in(client, sub=_sub(), email="only@example.com")
    identity_id = db.session.scalar(select(OidcIdentity.id))

    post_form(client, f"/oidc/links/{identity_id}/remove", {}, token_page="/profile")
    assert "only way to log in" in client.get("/profile").get_data(as_text=True)
    assert db.session.get(OidcIdentity, identity_id) is not None

    response = post_form(client, "/profile/password", {"password": PASSWORD}, token_page="/profile")
    assert response.status_code == 303
    post_form(client, f"/oidc/links/{identity_id}/remove", {}, token_page="/profile")

    db.session.expire_all()
    assert db.session.get(OidcIdentity, identity_id) is None
    post_form(client, "/logout", {})
    log_in(client, db.session.scalar(select(User).where(User.email == "only@example.com")))


def test_a_short_first_password_is_refused_in_the_form(client, oidc):
    oidc.sign_in(client, sub=_sub(), email="short@example.com")

    response = post_form(client, "/profile/password", {"password": "short"}, token_page="/profile")

    assert response.status_code == 422
    assert "Use 10 to" in response.get_data(as_text=True)


def test_a_logged_in_walker_connects_a_provider_from_the_profile(client, oidc):
    user = make_user(email="connect@example.com")
    log_in(client, user)

    response = oidc.sign_in(
        client, start_page="/profile", sub=_sub(), email="elsewhere@example.org"
    )

    assert response.headers["Location"] == "/profile"
    assert db.session.scalar(select(OidcIdentity.user_id)) == user.id
    assert f"You can now log in with {LABEL}" in client.get("/profile").get_data(as_text=True)


def test_another_profile_form_re_rendered_still_offers_the_first_password(client, oidc):
    oidc.sign_in(client, sub=_sub(), email="rerender@example.com")

    response = post_form(
        client, "/notifications/settings", {"nudge_after_days": "0"}, token_page="/profile"
    )

    assert response.status_code == 422
    assert "Set a password" in response.get_data(as_text=True)
