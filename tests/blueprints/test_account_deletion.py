"""Asking to delete one's account: confirmed with the password, cancelled by logging in."""

from datetime import timedelta

from milequest.extensions import db
from milequest.models import User
from milequest.models.base import utcnow
from tests.factories import PASSWORD, make_user
from tests.helpers import log_in, outbox, post_form, sign_in_as
from workers.accounts import delete_account, delete_due_accounts


def _ask(client, password: str = PASSWORD, understood: str = "y"):
    data = {"password": password, "understood": understood}
    return post_form(client, "/account/delete", data, token_page="/account/delete")


def test_deletion_needs_the_password_and_the_box_ticked(client):
    user = make_user()
    log_in(client, user)

    assert _ask(client, password="not my password").status_code == 422
    response = _ask(client, understood="")

    assert response.status_code == 422
    assert "Tick the box" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).deletion_due_at is None


def test_a_walker_without_a_password_confirms_with_their_address(client):
    user = make_user(email="Pat@Example.com", password_hash="")  # signed up with a provider
    sign_in_as(client, user)
    page = client.get("/account/delete").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' not in page

    def ask(email: str):
        data = {"email": email, "understood": "y"}
        return post_form(client, "/account/delete", data, token_page="/account/delete")

    wrong = ask("someone@example.com")
    assert wrong.status_code == 422
    assert "That is not the address of this account." in wrong.get_data(as_text=True)
    assert db.session.get(User, user.id).deletion_due_at is None
    assert ask("  pat@example.COM ").status_code == 303
    assert db.session.get(User, user.id).deletion_due_at is not None


def test_asking_schedules_the_deletion_logs_out_everywhere_and_emails(app, client):
    user = make_user()
    log_in(client, user)
    copy = client.get_cookie("session").value

    response = _ask(client)

    assert response.status_code == 303
    due = db.session.get(User, user.id).deletion_due_at
    assert timedelta(days=6, hours=23) < due - utcnow() <= timedelta(days=7)
    stolen = app.test_client()
    stolen.set_cookie("session", copy)
    assert stolen.get("/dashboard").status_code == 302
    (email,) = outbox(user.email)
    assert "Log in before then" in email.body_text


def test_logging_in_during_the_grace_period_keeps_the_account(client):
    user = make_user()
    log_in(client, user)
    _ask(client)
    db.session.execute(
        User.__table__.update().values(deletion_due_at=utcnow() + timedelta(hours=1))
    )

    log_in(client, user)

    assert "will not be deleted" in client.get("/dashboard").get_data(as_text=True)
    assert db.session.get(User, user.id).deletion_due_at is None
    assert delete_account(user.id) is False


def test_the_beat_job_deletes_accounts_once_their_grace_period_is_over(app, client):
    user = make_user()
    log_in(client, user)
    _ask(client)
    db.session.execute(User.__table__.update().values(deletion_due_at=utcnow()))
    user_id, email = user.id, user.email

    assert delete_due_accounts() == 1  # queued on the broker; the task itself runs below
    assert delete_account(user_id) is True

    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 422
