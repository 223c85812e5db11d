"""Who a provider login is, and which links a walker may add or remove (no provider needed)."""

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import OidcIdentity, WalkerSession
from milequest.refusals import Refused
from milequest.services.walkers import accounts, oidc_logins, walker_sessions
from milequest.services.walkers.oidc_logins import OidcClaims
from tests.factories import PASSWORD, make_user


def _claims(sub: str, email: str, verified: bool = True) -> OidcClaims:
    return OidcClaims(subject=sub, email=email, email_verified=verified)


def test_linking_an_account_whose_address_was_never_confirmed_drops_its_password():
    squatter = make_user(email="owner@example.com", verified=False)
    walker_sessions.start_session(squatter, remember=True, user_agent="the squatter's laptop")

    user = oidc_logins.sign_in("corp", _claims("s-1", "owner@example.com"))

    assert user.id == squatter.id and user.is_verified
    assert not user.has_password
    assert accounts.authenticate("owner@example.com", PASSWORD) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(WalkerSession).where(WalkerSession.ended_at.is_(None))
        )
        == 0
    )


def test_a_verified_account_keeps_its_password_and_sessions_when_linked():
    user = make_user(email="kept@example.com")
    walker_sessions.start_session(user, remember=False, user_agent="phone")

    oidc_logins.sign_in("corp", _claims("s-2", "kept@example.com"))

    assert accounts.authenticate("kept@example.com", PASSWORD) == user
    assert len(walker_sessions.open_sessions(user)) == 1


def test_the_same_subject_at_two_providers_is_two_logins():
    first = oidc_logins.sign_in("corp", _claims("same", "a@example.com"))
    second = oidc_logins.sign_in("google", _claims("same", "b@example.com"))

    assert first.id != second.id


def test_a_login_linked_to_another_walker_cannot_be_connected():
    oidc_logins.sign_in("corp", _claims("taken", "first@example.com"))
    other = make_user()

    with pytest.raises(Refused, match="another Mile Quest account"):
        oidc_logins.link(other, "corp", _claims("taken", "first@example.com"))
    oidc_logins.link(other, "corp", _claims("mine", "other@example.com"))
    with pytest.raises(Refused, match="another Corp login already"):
        oidc_logins.link(other, "corp", _claims("mine-too", "other@example.com"))


def test_one_of_two_links_can_go_without_a_password_but_not_the_last():
    user = oidc_logins.sign_in("corp", _claims("c", "two@example.com"))
    oidc_logins.link(user, "google", _claims("g", "two@gmail.example"))
    corp, google = oidc_logins.linked_identities(user)

    oidc_logins.unlink(user, corp.id)
    with pytest.raises(Refused, match="only way to log in"):
        oidc_logins.unlink(user, google.id)

    assert [i.provider for i in oidc_logins.linked_identities(user)] == ["google"]


def test_someone_elses_link_is_left_alone():
    owner = oidc_logins.sign_in("corp", _claims("o", "owner2@example.com"))
    identity = oidc_logins.linked_identities(owner)[0]
    intruder = make_user()

    oidc_logins.unlink(intruder, identity.id)

    assert db.session.get(OidcIdentity, identity.id) is not None


def test_a_first_password_is_set_once():
    user = oidc_logins.sign_in("corp", _claims("p", "pw@example.com"))

    oidc_logins.set_first_password(user, "a fresh long password")

    assert accounts.authenticate("pw@example.com", "a fresh long password") == user
    with pytest.raises(Refused, match="password already"):
        oidc_logins.set_first_password(user, "another long password")


def test_providers_come_from_the_environment_google_from_its_two_keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "GOOGLE_CLIENT_ID", "gid")
    monkeypatch.setitem(app.config, "GOOGLE_CLIENT_SECRET", "gsecret")
    monkeypatch.setitem(
        app.config,
        "OIDC_PROVIDERS",
        [{"name": "keycloak", "issuer": "https://id.example.org/realms/x/", "client_id": "k"}],
    )

    google, keycloak = oidc_logins.configured_providers()

    assert (google.name, google.label, google.client_secret) == ("google", "Google", "gsecret")
    assert google.metadata_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert keycloak.label == "Keycloak"
    assert keycloak.metadata_url == (
        "https://id.example.org/realms/x/.well-known/openid-configuration"
    )
