"""Personal access tokens on the profile: shown once, stored hashed, listed, revocable."""

import hashlib
import logging
import re

from sqlalchemy import select

from milequest.extensions import db
from milequest.models import ApiToken
from tests.factories import make_user
from tests.helpers import csrf_token, log_in, post_form


def _create(client, name="Kitchen display", scope="read"):
    return post_form(
        client,
        "/profile/tokens",
        {"name": name, "scope": scope, "lifetime_days": "30"},
        token_page="/profile",
    )


def test_a_token_is_shown_once_stored_hashed_and_never_again(client, caplog):
    caplog.set_level(logging.DEBUG)
    walker = make_user()
    log_in(client, walker)

    created = _create(client)
    secret = re.search(r'value="(mq_[^"]+)"', created.get_data(as_text=True)).group(1)
    used = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    profile = client.get("/profile").get_data(as_text=True)

    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    assert used.status_code == 200
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == walker.id))
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert "Kitchen display" in profile and "read only" in profile and "last used" in profile
    assert secret not in profile
    assert secret[3:] not in caplog.text


def test_a_revoked_token_stops_working_and_leaves_the_list(client):
    walker = make_user()
    log_in(client, walker)
    secret = re.search(r'value="(mq_[^"]+)"', _create(client).get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == walker.id))

    revoked = client.post(
        f"/profile/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/profile")}
    )

    assert revoked.status_code == 303
    assert "Kitchen display" not in client.get("/profile").get_data(as_text=True)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_another_walker_cannot_revoke_my_token(client):
    owner = make_user()
    log_in(client, owner)
    _create(client)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    log_in(client, make_user())
    client.post(
        f"/profile/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/profile")}
    )
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_a_nameless_token_is_refused_with_the_forms_words(client):
    log_in(client, make_user())
    refused = _create(client, name="  ")
    assert refused.status_code == 422
    assert "Name the token after where you will use it." in refused.get_data(as_text=True)
