"""Signing in with OpenID Connect providers: who a verified provider login is, and links.

A provider's login names a walker by its subject once linked. Until then, its email address
finds or creates the account, and only when the provider says the address is verified: an
unverified claim could name anyone's account. Linking an account whose own address was never
confirmed drops its password and ends its sessions (whoever set them did not prove the
address; the provider did). A walker keeps at least one way to log in: a provider link is
removable only while a password or another link remains.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.lib import metrics, passwords
from milequest.models import OidcIdentity, User
from milequest.models.base import utcnow
from milequest.refusals import Refused
from milequest.services.core.commit_hooks import after_commit
from milequest.services.walkers import accounts, walker_sessions

GOOGLE_ISSUER = "https://accounts.google.com"
NO_PASSWORD = ""  # users.password_hash of a walker who signed up with a provider


@dataclass(frozen=True)
class OidcProvider:
    name: str  # in URLs and in oidc_identities.provider
    label: str  # "Continue with <label>"
    issuer: str  # discovery: <issuer>/.well-known/openid-configuration
    client_id: str
    client_secret: str

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class OidcClaims:
    """What a provider's validated ID token (and user info) said about the walker."""

    subject: str
    email: str
    email_verified: bool
    name: str = ""


def configured_providers() -> list[OidcProvider]:
    """The providers in OIDC_PROVIDERS, and Google when GOOGLE_CLIENT_ID is set."""
    config = current_app.config
    providers = [
        OidcProvider(
            name=entry["name"],
            label=entry.get("label") or entry["name"].title(),
            issuer=entry["issuer"],
            client_id=entry["client_id"],
            client_secret=entry.get("client_secret", ""),
        )
        for entry in config.get("OIDC_PROVIDERS") or []
    ]
    if config.get("GOOGLE_CLIENT_ID") and not any(p.name == "google" for p in providers):
        providers.insert(
            0,
            OidcProvider(
                "google",
                "Google",
                GOOGLE_ISSUER,
                config["GOOGLE_CLIENT_ID"],
                config.get("GOOGLE_CLIENT_SECRET", ""),
            ),
        )
    return providers


def authorization_origins() -> tuple[str, ...]:
    """Where "Continue with ..." sends the browser: each provider's origin (the issuer's; the
    authorization endpoint of Google, Microsoft Entra, Keycloak and Authentik shares it)."""
    origins = (urlsplit(p.issuer) for p in configured_providers())
    return tuple(sorted({f"{o.scheme}://{o.netloc}" for o in origins if o.scheme and o.netloc}))


def find_provider(name: str) -> OidcProvider | None:
    return next((p for p in configured_providers() if p.name == name), None)


def provider_label(name: str) -> str:
    provider = find_provider(name)
    return provider.label if provider else name.title()


_LOGIN_LOCK = 0x01DC  # first key of pg_advisory_xact_lock(key, hashtext(provider, subject))


def _identity(provider: str, subject: str) -> OidcIdentity | None:
    return db.session.scalar(
        select(OidcIdentity).where(
            OidcIdentity.provider == provider, OidcIdentity.subject == subject
        )
    )


def _refuse_unverified(provider: str, claims: OidcClaims) -> None:
    if not claims.email or not claims.email_verified:
        raise Refused(
            f"{provider_label(provider)} has not confirmed your email address, so we cannot "
            "use it to sign you in. Confirm it there, or log in with your password."
        )


def sign_in(provider: str, claims: OidcClaims, timezone: str = "UTC") -> User:
    """The walker this provider login is: linked, found by verified email, or new.

    Raises Refused when the provider did not verify the email of a login not yet linked.
    """
    login = func.hashtext(f"{provider}\n{claims.subject}")  # one first login at a time
    db.session.execute(select(func.pg_advisory_xact_lock(_LOGIN_LOCK, login)))
    identity = _identity(provider, claims.subject)
    if identity is not None:
        identity.last_used_at = utcnow()
        return db.session.get_one(User, identity.user_id)
    _refuse_unverified(provider, claims)
    accounts.lock_email(claims.email)
    user = accounts.find_by_email(claims.email)
    if user is None:
        user = _sign_up(claims, timezone)
    elif user.email_verified_at is None:
        # Whoever set this password never proved the address; the provider just did.
        user.password_hash = NO_PASSWORD
        walker_sessions.end_all_sessions(user.id)
        user.email_verified_at = utcnow()
    _link(user, provider, claims)
    return user


def _sign_up(claims: OidcClaims, timezone: str) -> User:
    name = (claims.name.strip() or claims.email.split("@")[0])[:60]
    user = User(
        email=accounts.normalize_email(claims.email),
        display_name=name,
        password_hash=NO_PASSWORD,
        timezone=timezone if timezone in accounts.TIMEZONES else "UTC",
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    after_commit(metrics.count_sign_up)
    return user


def _link(user: User, provider: str, claims: OidcClaims) -> OidcIdentity:
    identity = OidcIdentity(
        user_id=user.id,
        provider=provider,
        subject=claims.subject,
        email=claims.email,
        last_used_at=utcnow(),
    )
    db.session.add(identity)
    db.session.flush()
    return identity


def link(user: User, provider: str, claims: OidcClaims) -> OidcIdentity:
    """Link a provider login to a walker who is logged in (from the profile).

    Raises Refused when that login belongs to another walker, or the walker has another
    login at this provider already.
    """
    identity = _identity(provider, claims.subject)
    label = provider_label(provider)
    if identity is not None:
        if identity.user_id == user.id:
            return identity
        raise Refused(f"That {label} login is linked to another Mile Quest account.")
    if any(i.provider == provider for i in linked_identities(user)):
        raise Refused(f"Your account is linked to another {label} login already.")
    return _link(user, provider, claims)


def linked_identities(user: User) -> list[OidcIdentity]:
    return list(
        db.session.scalars(
            select(OidcIdentity).where(OidcIdentity.user_id == user.id).order_by(OidcIdentity.id)
        )
    )


def unlink(user: User, identity_id: int) -> None:
    """Remove one of the walker's links; Refused if it is their last way to log in."""
    # The walker's row first: two removals at once must not each leave the other as the last.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    identity = db.session.scalar(
        select(OidcIdentity).where(OidcIdentity.id == identity_id, OidcIdentity.user_id == user.id)
    )
    if identity is None:
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(OidcIdentity)
        .where(OidcIdentity.user_id == user.id, OidcIdentity.id != identity_id)
    )
    if not others and not user.has_password:
        raise Refused(
            f"{provider_label(identity.provider)} is your only way to log in: set a password first."
        )
    db.session.delete(identity)
    db.session.flush()


def set_first_password(user: User, password: str) -> None:
    """Give a walker who signed up with a provider a password (they have none to confirm)."""
    if user.has_password:
        raise Refused("You have a password already: change it with a reset link.")
    user.password_hash = passwords.hash_password(password)
