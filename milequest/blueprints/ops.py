"""The operator console at /ops: operators only; everyone else gets a 404, so it is not found.

Every page is plain HTML (no JavaScript needed); every action is a CSRF-checked POST that
writes its row to the audit log in the same commit and answers 303 back to its page.
"""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from milequest.extensions import csrf, db
from milequest.htmx import see_other
from milequest.refusals import Refused
from milequest.services.core import operators
from milequest.services.operations import (
    audit_log,
    console_jobs,
    console_outbox,
    console_reviews,
    console_summary,
    console_teams,
    console_users,
)

bp = Blueprint("ops", __name__, url_prefix="/ops")
# Checked below, after the operator check: the global check would answer a token-less POST
# from anyone with a 400, which tells a stranger that the URL exists.
csrf.exempt(bp)

USER_ACTIONS = {  # URL word -> (service, message)
    "confirm": (console_users.confirm_user, "Address confirmed for {}."),
    "disable": (console_users.disable_user, "{} is disabled and logged out everywhere."),
    "enable": (console_users.enable_user, "{} can log in again."),
    "resend": (console_users.resend_confirmation, "A new confirmation email is on its way to {}."),
    "end-sessions": (console_users.end_sessions, "Every session of {} is ended."),
}


@bp.before_request
def operators_only() -> None:
    if not operators.is_operator(current_user):
        abort(404)
    csrf.protect()  # every method but GET, HEAD and OPTIONS: a missing or wrong token is a 400


@bp.get("")
def summary():
    found = console_summary.summary()
    return render_template("ops/summary.html", summary=found, queues=found.queues)


@bp.get("/users")
def users():
    query = request.args.get("q", "").strip()
    found = console_users.search_users(query) if query else []
    return render_template("ops/users.html", query=query, found=found)


@bp.post("/users/<int:user_id>/<any(confirm, disable, enable, resend, 'end-sessions'):action>")
def user_action(user_id: int, action: str):
    service, message = USER_ACTIONS[action]
    back = url_for("ops.users", q=request.form.get("q", ""))
    try:
        done = service(current_user, user_id) is not None
    except Refused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return see_other(back)
    nothing = "Nothing to do: that account is gone or already confirmed."
    return _answer(done, message.format(_email_of(user_id)), nothing, back)


@bp.get("/jobs")
def jobs():
    return render_template(
        "ops/jobs.html",
        queues=console_summary.queues(),
        stuck=console_jobs.stuck_jobs(),
        failed=console_jobs.failed_jobs(),
    )


@bp.post("/jobs/<any(photo, import, export):kind>/<int:job_id>/retry")
def retry_job(kind: str, job_id: int):
    return _answer(
        console_jobs.retry_job(current_user, console_jobs.JobKind(kind), job_id),
        f"The {kind} {job_id} is on its queue again.",
        f"The {kind} {job_id} is no longer waiting: nothing to retry.",
        url_for("ops.jobs"),
    )


@bp.get("/outbox")
def outbox():
    return render_template(
        "ops/outbox.html",
        queues=console_summary.queues(),
        given_up=console_outbox.unsent(given_up=True),
        waiting=console_outbox.unsent(given_up=False),
    )


@bp.post("/outbox/<int:email_id>/retry")
def retry_email(email_id: int):
    return _answer(
        console_outbox.retry_email(current_user, email_id),
        f"Email {email_id} is on the email queue again.",
        f"Email {email_id} was sent already: nothing to retry.",
        url_for("ops.outbox"),
    )


@bp.get("/teams")
def teams():
    query = request.args.get("q", "").strip()
    found = console_teams.search_teams(query) if query else []
    return render_template("ops/teams.html", query=query, found=found)


@bp.post("/teams/<int:team_id>/archive")
def archive_team(team_id: int):
    back = url_for("ops.teams", q=request.form.get("q", ""))
    try:
        team = console_teams.archive_team(current_user, team_id)
    except Refused as refused:
        db.session.rollback()
        flash(str(refused), "info")
        return see_other(back)
    if team is None:
        abort(404)
    db.session.commit()
    flash(f"{team.name} is archived.", "success")
    return see_other(back)


@bp.get("/reviews")
def reviews():
    walks_held, photos_held = console_reviews.held_counts()
    return render_template(
        "ops/reviews.html",
        held=console_reviews.held_walks(),
        walks_held=walks_held,
        photos_held=photos_held,
    )


@bp.get("/audit")
def audit():
    before = request.args.get("before", type=int)
    rows = audit_log.recent(before_id=before)
    more = len(rows) == audit_log.PAGE_SIZE
    return render_template("ops/audit.html", rows=rows, more=more, actions=audit_log.ACTIONS)


def _answer(done: bool, success: str, nothing: str, back: str):
    """Commit the action and its audit row, or roll back when there was nothing to do."""
    if done:
        db.session.commit()
        flash(success, "success")
    else:
        db.session.rollback()
        flash(nothing, "info")
    return see_other(back)


def _email_of(user_id: int) -> str:
    return console_users.email_of(user_id) or f"account {user_id}"
