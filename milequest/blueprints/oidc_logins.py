"""Sign in with OpenID Connect providers, and the profile's linked providers and password.

Authlib does the protocol: discovery (the provider's metadata, fetched once per process),
PKCE (S256), and a state and a nonce kept in the walker's session and checked on return; the
ID token's signature, issuer, audience and nonce are validated before any claim is read.
Starting is a POST (a CSRF-checked button), so no other site can start a login for a visitor.
"""

import logging
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App, OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from joserfc.errors import JoseError

from milequest.blueprints.accounts import log_in, safe_next_url
from milequest.blueprints.changes import commit_unless_refused
from milequest.extensions import db, limiter
from milequest.forms.accounts import ProfileForm, SetPasswordForm
from milequest.htmx import see_other
from milequest.refusals import Refused
from milequest.services.walkers import oidc_logins
from milequest.services.walkers.oidc_logins import OidcClaims, OidcProvider

bp = Blueprint("oidc_logins", __name__)
log = logging.getLogger(__name__)
OIDC_NEXT = "oidc_next"
OIDC_TIMEZONE = "oidc_timezone"
FAILED = (OAuthError, JoseError, requests.RequestException, KeyError, ValueError)
_clients: dict[OidcProvider, FlaskOAuth2App] = {}  # one per configured provider


@bp.app_template_global("oidc_providers")
def oidc_providers() -> list[OidcProvider]:
    return oidc_logins.configured_providers()


def _client(provider: OidcProvider) -> FlaskOAuth2App:
    client = _clients.get(provider)
    if client is None:
        client = FlaskOAuth2App(
            FlaskIntegration(provider.name),
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": 10,  # every request to the provider
            },
        )
        _clients[provider] = client
    return client


def _provider(name: str) -> OidcProvider:
    return oidc_logins.find_provider(name) or abort(404)


@bp.post("/oidc/<name>/start")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def start(name: str):
    provider = _provider(name)
    session[OIDC_NEXT] = safe_next_url(request.form.get("next"))
    session[OIDC_TIMEZONE] = request.form.get("timezone") or "UTC"
    redirect_uri = url_for("oidc_logins.callback", name=provider.name, _external=True)
    try:
        response = _client(provider).authorize_redirect(redirect_uri)
    except FAILED:
        log.warning("oidc discovery failed for %s", provider.name, exc_info=True)
        flash(f"{provider.label} cannot be reached just now. Try again in a minute.", "error")
        return see_other(url_for("accounts.login_form"))
    target = urlsplit(response.location)
    if f"{target.scheme}://{target.netloc}" not in oidc_logins.authorization_origins():
        log.warning("%s authorizes off its issuer's origin: the CSP refuses it", provider.name)
    return response


def _claims(client: FlaskOAuth2App, token: dict) -> OidcClaims:
    """The validated ID token's claims, with user info when the ID token has no email."""
    claims = dict(token["userinfo"])  # only there once the ID token (and its nonce) checked out
    if "email" not in claims:
        info = client.userinfo(token=token)
        if info.get("sub") != claims["sub"]:
            raise ValueError("user info is about another subject")
        claims.update(info)
    return OidcClaims(
        subject=str(claims["sub"]),
        email=str(claims.get("email") or ""),
        email_verified=claims.get("email_verified") in (True, "true"),
        name=str(claims.get("name") or ""),
    )


@bp.get("/oidc/<name>/callback")
def callback(name: str):
    provider = _provider(name)
    client = _client(provider)
    try:
        token = client.authorize_access_token()
        claims = _claims(client, token)
    except FAILED as exc:
        log.info("oidc login refused for %s: %r", provider.name, exc)
        flash(f"Signing in with {provider.label} did not work. Please try again.", "error")
        return see_other(url_for("accounts.login_form"))
    if current_user.is_authenticated:
        return _linked(provider, claims)
    next_url = session.pop(OIDC_NEXT, None) or url_for("pages.dashboard")
    try:
        user = oidc_logins.sign_in(provider.name, claims, session.pop(OIDC_TIMEZONE, "UTC"))
    except Refused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return see_other(url_for("accounts.login_form"))
    log_in(user)
    db.session.commit()
    return see_other(next_url, reload=True)


def _linked(provider: OidcProvider, claims: OidcClaims):
    session.pop(OIDC_NEXT, None)
    refused = commit_unless_refused(lambda: oidc_logins.link(current_user, provider.name, claims))
    if refused:
        flash(str(refused), "error")
    else:
        flash(f"You can now log in with {provider.label}.", "success")
    return see_other(url_for("accounts.profile_form"))


@bp.app_template_global("oidc_logins_listed")
def oidc_logins_listed():
    """(identity, provider label) of the walker's linked logins, and the providers left."""
    linked = oidc_logins.linked_identities(current_user)
    names = {identity.provider for identity in linked}
    return (
        [(identity, oidc_logins.provider_label(identity.provider)) for identity in linked],
        [p for p in oidc_logins.configured_providers() if p.name not in names],
        current_user.has_password,
    )


@bp.app_template_global("first_password_form")
def first_password_form() -> SetPasswordForm:
    """The profile's "Set a password" form, unless the page re-renders a submitted one."""
    return SetPasswordForm()


@bp.post("/oidc/links/<int:identity_id>/remove")
@login_required
def unlink(identity_id: int):
    refused = commit_unless_refused(lambda: oidc_logins.unlink(current_user, identity_id))
    flash(str(refused) if refused else "That login is removed.", "error" if refused else "info")
    return see_other(url_for("accounts.profile_form"))


@bp.post("/profile/password")
@login_required
def set_password():
    form = SetPasswordForm()
    if not form.validate():
        profile_form = ProfileForm.for_walker(current_user)
        return render_template("accounts/profile.html", form=profile_form, password_form=form), 422
    refused = commit_unless_refused(
        lambda: oidc_logins.set_first_password(current_user, form.password.data)
    )
    flash(str(refused) if refused else "Your password is set.", "error" if refused else "success")
    return see_other(url_for("accounts.profile_form"))
