"""The operator console: hidden from everyone but operators, every action audited."""

from datetime import timedelta

import pytest
import redis
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from milequest.extensions import db
from milequest.models import OperatorAction, WalkerSession
from milequest.models.activity import ReviewStatus
from milequest.models.base import utcnow
from milequest.services.core import emails
from milequest.services.operations import system_state
from milequest.services.walkers import api_tokens
from tests.factories import (
    PASSWORD,
    add_member,
    add_photo,
    log,
    make_journey,
    make_team,
    make_user,
)
from tests.helpers import csrf_token, outbox, post_form, sign_in_as

URL_VALUES = {
    "user_id": 1,
    "action": "confirm",
    "kind": "photo",
    "job_id": 1,
    "email_id": 1,
    "team_id": 1,
}


def ops_rules():
    rules = [r for r in current_app.url_map.iter_rules() if r.endpoint.startswith("ops.")]
    return [(r, m) for r in rules for m in sorted(r.methods - {"HEAD", "OPTIONS"})]


def request_each(client, token_page="/reset"):
    """(method, url, status) for every /ops URL, POSTs with a valid CSRF token."""
    answers = []
    for rule, method in ops_rules():
        url = rule.build({k: URL_VALUES[k] for k in rule.arguments})[1]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, token_page)})
        answers.append((method, url, response.status_code))
    return answers


def operator(app, client):
    user = make_user(email="ops@example.com", is_operator=True)
    sign_in_as(client, user)
    return user


def audit_rows() -> list[OperatorAction]:
    return list(db.session.scalars(select(OperatorAction).order_by(OperatorAction.id)))


def test_the_console_has_pages_and_actions(app):
    endpoints = {rule.endpoint for rule, _ in ops_rules()}
    pages = {"ops.summary", "ops.users", "ops.jobs", "ops.outbox", "ops.teams", "ops.reviews"}
    assert pages | {"ops.audit"} <= endpoints
    assert {"ops.user_action", "ops.retry_job", "ops.retry_email", "ops.archive_team"} <= endpoints


@pytest.mark.parametrize("who", ["anonymous", "walker", "captain", "listed_but_unconfirmed"])
def test_every_ops_url_is_not_found_for_anyone_but_an_operator(app, client, monkeypatch, who):
    if who == "walker":
        sign_in_as(client, make_user())
    elif who == "captain":
        captain = make_user()
        make_team(captain)
        sign_in_as(client, captain)
    elif who == "listed_but_unconfirmed":  # OPERATOR_EMAILS counts confirmed addresses only
        monkeypatch.setitem(app.config, "OPERATOR_EMAILS", ["late@example.com"])
        sign_in_as(client, make_user(email="late@example.com", verified=False))
    answers = request_each(client)
    assert answers and all(status == 404 for _, _, status in answers), answers
    assert audit_rows() == []


def test_a_post_without_a_csrf_token_is_not_found_either_for_a_stranger(app, client):
    sign_in_as(client, make_user())
    for rule, method in ops_rules():
        if method == "POST":
            url = rule.build({k: URL_VALUES[k] for k in rule.arguments})[1]
            assert client.post(url, data={}).status_code == 404, url


def test_a_disabled_operator_gets_nothing_either(app, client):
    sign_in_as(client, make_user(is_operator=True, disabled_at=utcnow()))
    assert all(status in (302, 404) for _, _, status in request_each(client))


def test_an_operator_reaches_every_ops_url(app, client):
    operator(app, client)
    answers = request_each(client, token_page="/ops")
    assert all(status == 200 for method, _, status in answers if method == "GET"), answers
    assert all(status in (303, 404) for method, _, status in answers if method == "POST"), answers


def test_only_an_operators_menu_links_to_the_console(app, client):
    walker = app.test_client()
    sign_in_as(walker, make_user())
    assert "Operator console" not in walker.get("/dashboard").get_data(as_text=True)
    operator(app, client)
    assert 'href="/ops">Operator console' in client.get("/dashboard").get_data(as_text=True)


def test_an_operator_listed_by_address_reaches_the_console(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPERATOR_EMAILS", ["Boss@example.com"])
    sign_in_as(client, make_user(email="boss@example.com"))
    assert client.get("/ops").status_code == 200


def test_an_action_without_its_csrf_token_is_refused_and_not_done(app, client):
    operator(app, client)
    walker = make_user(verified=False)
    response = client.post(f"/ops/users/{walker.id}/confirm", data={})
    assert response.status_code == 400
    db.session.refresh(walker)
    assert not walker.is_verified
    assert audit_rows() == []


def test_the_summary_counts_walkers_walks_queues_and_reconcile(app, client):
    ops = operator(app, client)
    walker = make_user()
    log(walker, 3)
    sign_in_as(app.test_client(), walker)  # seen today
    system_state.record_reconcile({"walker_days": 2, "journeys": 0})
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    broker.delete("routes")
    broker.lpush("routes", "a message no worker took yet")
    page = client.get("/ops").get_data(as_text=True)
    assert "<dt>routes</dt><dd>1 waiting</dd>" in page
    assert '<dd id="active-today">2</dd>' in page  # the walker and the operator
    assert '<dd id="walks-today">1</dd>' in page
    assert "walker_days: 2 rows" in page and "journeys:" not in page
    assert ops.email not in page  # no one's address on the summary


def test_searching_users_by_address_or_name(app, client):
    operator(app, client)
    make_user(email="anna.walker@example.com", display_name="Anna")
    make_user(email="bob@example.com", display_name="Bob Annandale")
    make_user(email="carl@example.com", display_name="Carl")
    page = client.get("/ops/users?q=ann").get_data(as_text=True)
    assert "anna.walker@example.com" in page and "bob@example.com" in page
    assert "carl@example.com" not in page
    assert "No account matches" in client.get("/ops/users?q=%25").get_data(as_text=True)


def test_confirming_an_address_is_done_and_audited(app, client):
    ops = operator(app, client)
    walker = make_user(verified=False)
    response = post_form(client, f"/ops/users/{walker.id}/confirm", {"q": "x"}, token_page="/ops")
    assert response.status_code == 303 and response.headers["Location"] == "/ops/users?q=x"
    db.session.refresh(walker)
    assert walker.is_verified
    (row,) = audit_rows()
    assert (row.operator_id, row.operator_email, row.action) == (
        ops.id,
        ops.email,
        "user_confirmed",
    )
    assert (row.target_kind, row.target_id) == ("user", walker.id)


def test_a_disabled_walker_is_logged_out_cannot_log_in_and_their_tokens_stop(app, client):
    operator(app, client)
    walker = make_user()
    device = app.test_client()
    post_form(device, "/login", {"email": walker.email, "password": PASSWORD})
    assert device.get("/dashboard").status_code == 200
    token = api_tokens.create_token(walker, "script", "read", 30)

    post_form(client, f"/ops/users/{walker.id}/disable", {}, token_page="/ops")

    assert device.get("/dashboard").status_code == 302  # its session is over
    again = post_form(app.test_client(), "/login", {"email": walker.email, "password": PASSWORD})
    assert again.status_code == 422
    assert api_tokens.authenticate(token.secret) is None
    post_form(app.test_client(), "/reset", {"email": walker.email})
    assert outbox(walker.email) == []  # nor can a password reset bring the account back
    still_open = select(WalkerSession).where(
        WalkerSession.user_id == walker.id, WalkerSession.ended_at.is_(None)
    )
    assert db.session.scalars(still_open).all() == []
    (row,) = audit_rows()
    assert (row.action, row.target_id, row.detail) == (
        "user_disabled",
        walker.id,
        {"sessions_ended": 1},
    )


def test_enabling_lets_the_walker_log_in_again(app, client):
    operator(app, client)
    walker = make_user(disabled_at=utcnow())
    post_form(client, f"/ops/users/{walker.id}/enable", {}, token_page="/ops")
    response = post_form(app.test_client(), "/login", {"email": walker.email, "password": PASSWORD})
    assert response.status_code == 303
    assert [r.action for r in audit_rows()] == ["user_enabled"]


def test_an_operator_cannot_disable_themselves(app, client):
    ops = operator(app, client)
    post_form(client, f"/ops/users/{ops.id}/disable", {}, token_page="/ops")
    db.session.refresh(ops)
    assert not ops.is_disabled
    assert "cannot disable your own account" in client.get("/ops/users?q=ops").get_data(
        as_text=True
    )
    assert audit_rows() == []


def test_resending_the_confirmation_queues_an_email_and_is_audited(app, client):
    operator(app, client)
    walker = make_user(verified=False)
    post_form(client, f"/ops/users/{walker.id}/resend", {}, token_page="/ops")
    assert [e.subject for e in outbox(walker.email)] == ["Confirm your email for Mile Quest"]
    assert [(r.action, r.target_id) for r in audit_rows()] == [("confirmation_resent", walker.id)]


def test_ending_a_walkers_sessions(app, client):
    operator(app, client)
    walker = make_user()
    device = app.test_client()
    sign_in_as(device, walker)
    post_form(client, f"/ops/users/{walker.id}/end-sessions", {}, token_page="/ops")
    assert device.get("/dashboard").status_code == 302
    (row,) = audit_rows()
    assert (row.action, row.detail) == ("sessions_ended", {"sessions_ended": 1})


def test_retrying_a_stuck_photo_queues_it_again_and_is_audited(app, client):
    operator(app, client)
    photo = add_photo(log(make_user(), 2))  # pending
    photo.queued_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    broker.delete("moderation")
    assert f"stuck-photo-{photo.id}" in client.get("/ops/jobs").get_data(as_text=True)

    post_form(client, f"/ops/jobs/photo/{photo.id}/retry", {}, token_page="/ops")

    assert broker.llen("moderation") == 1
    db.session.refresh(photo)
    assert photo.queued_at > utcnow() - timedelta(minutes=1)
    assert [(r.action, r.target_kind, r.target_id) for r in audit_rows()] == [
        ("job_retried", "photo", photo.id)
    ]


def test_retrying_a_job_that_is_done_does_nothing(app, client):
    operator(app, client)
    photo = add_photo(log(make_user(), 2), status="approved")
    response = post_form(client, f"/ops/jobs/photo/{photo.id}/retry", {}, token_page="/ops")
    assert response.status_code == 303
    assert audit_rows() == []


def test_retrying_a_given_up_email_hands_it_to_the_email_queue(app, client):
    operator(app, client)
    email = emails.queue_email(
        "x@example.com", "Hello", "emails/verify.txt", user=None, verify_url="u"
    )
    email.attempts, email.last_error = emails.MAX_ATTEMPTS, "SMTPServerDisconnected"
    db.session.commit()
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    broker.delete("email")
    page = client.get("/ops/outbox").get_data(as_text=True)
    assert f'id="email-{email.id}"' in page and "SMTPServerDisconnected" in page

    post_form(client, f"/ops/outbox/{email.id}/retry", {}, token_page="/ops")

    assert broker.llen("email") == 1
    (row,) = audit_rows()
    assert (row.action, row.target_id, row.detail) == (
        "email_retried",
        email.id,
        {"attempts": emails.MAX_ATTEMPTS},
    )


def test_archiving_a_team_from_the_console(app, client):
    operator(app, client)
    team = make_team(make_user(), name="Night Owls")
    add_member(team)
    page = client.get("/ops/teams?q=owls").get_data(as_text=True)
    assert "Night Owls" in page
    post_form(client, f"/ops/teams/{team.id}/archive", {"q": "owls"}, token_page="/ops")
    db.session.refresh(team)
    assert team.is_archived
    (row,) = audit_rows()
    assert (row.action, row.target_kind, row.target_id) == ("team_archived", "team", team.id)
    # archiving it twice is refused politely, and not audited again
    post_form(client, f"/ops/teams/{team.id}/archive", {}, token_page="/ops")
    assert len(audit_rows()) == 1


def test_the_audit_page_lists_each_action_newest_first(app, client):
    ops = operator(app, client)
    a, b = make_user(verified=False), make_user(verified=False)
    post_form(client, f"/ops/users/{a.id}/confirm", {}, token_page="/ops")
    post_form(client, f"/ops/users/{b.id}/confirm", {}, token_page="/ops")
    page = client.get("/ops/audit").get_data(as_text=True)
    first, second = audit_rows()
    assert page.index(f'id="audit-{second.id}"') < page.index(f'id="audit-{first.id}"')
    assert f"{ops.email}</strong> confirmed the address of user {a.id}" in page


@pytest.mark.parametrize(
    "statement",
    ["UPDATE operator_actions SET action = 'user_enabled'", "DELETE FROM operator_actions"],
)
def test_the_audit_table_refuses_changes(app, statement):
    ops = make_user(is_operator=True)
    from milequest.services.operations import audit_log

    audit_log.record(ops, "user_confirmed", "user", ops.id)
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert [r.action for r in audit_rows()] == ["user_confirmed"]


def test_flask_operator_grant_and_revoke(app):
    user = make_user(email="new-ops@example.com")
    db.session.commit()
    runner = app.test_cli_runner()
    granted = runner.invoke(args=["operator", "grant", "NEW-ops@example.com"])
    assert granted.exit_code == 0, granted.output
    db.session.refresh(user)
    assert user.is_operator
    revoked = runner.invoke(args=["operator", "revoke", "new-ops@example.com"])
    assert revoked.exit_code == 0
    db.session.refresh(user)
    assert not user.is_operator
    assert [(r.operator_email, r.action) for r in audit_rows()] == [
        ("command line", "operator_granted"),
        ("command line", "operator_revoked"),
    ]
    missing = runner.invoke(args=["operator", "grant", "nobody@example.com"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_walks_and_photos_held_across_teams(app, client):
    operator(app, client)
    team = make_team(make_user(), name="Fast Feet")
    walker = add_member(team).user
    make_journey(team)
    held = log(walker, 10, duration_s=3600)  # 10 km/h is fast for a walk: held for the captain
    add_photo(log(walker, 2), status="held")
    page = client.get("/ops/reviews").get_data(as_text=True)
    assert held.review_status == ReviewStatus.HELD
    assert f'id="held-walk-{held.id}"' in page and "Fast Feet" in page
    assert '<p id="photos-held">1 held' in page
