"""Two sign-ups with one address at the same moment make one account, and neither fails."""

import pytest
from sqlalchemy import func, select

from milequest.extensions import db
from milequest.models import OidcIdentity, User
from milequest.services.walkers import accounts, oidc_logins
from milequest.services.walkers.oidc_logins import OidcClaims
from tests.services.test_counters_concurrency import run_together

pytestmark = pytest.mark.committing


def at_once(app, *attempts) -> tuple[list, list]:
    """Each attempt in its own thread and transaction, released together (`run_together`), in
    a request (a sign-up's email links need one); the ids of the walkers they returned."""
    results = []

    def job(attempt):
        def run():
            with app.test_request_context():
                user = attempt()
                results.append(user.id if user is not None else None)

        return run

    errors = run_together(app, [job(attempt) for attempt in attempts])
    return results, errors


def walkers_with(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_a_double_tapped_sign_up_makes_one_account(app):
    attempt = lambda: accounts.sign_up("twice@example.com", "Twice", "long enough password")  # noqa: E731

    results, errors = at_once(app, attempt, attempt)

    assert errors == []
    assert len(results) == 2 and results.count(None) == 1  # the second is told it is taken
    assert walkers_with("twice@example.com") == 1


def test_a_first_provider_login_in_two_tabs_makes_one_walker_and_one_link(app):
    claims = OidcClaims(subject="sub-1", email="tabs@example.com", email_verified=True)
    attempt = lambda: oidc_logins.sign_in("test", claims)  # noqa: E731

    results, errors = at_once(app, attempt, attempt)

    assert errors == [] and len(set(results)) == 1
    assert walkers_with("tabs@example.com") == 1
    assert db.session.scalar(select(func.count()).select_from(OidcIdentity)) == 1


def test_a_provider_sign_up_racing_a_password_sign_up_leaves_one_account(app):
    claims = OidcClaims(subject="sub-2", email="both@example.com", email_verified=True)

    results, errors = at_once(
        app,
        lambda: oidc_logins.sign_in("test", claims),
        lambda: accounts.sign_up("both@example.com", "Both", "long enough password"),
    )

    assert errors == [] and len(results) == 2
    assert walkers_with("both@example.com") == 1
