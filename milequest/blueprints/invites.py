"""Invites: the captain's invite page, joining by share link or code, and email invites."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from milequest.blueprints.team_scope import team_view
from milequest.extensions import db, limiter
from milequest.forms.teams import EmailInviteForm, JoinCodeForm
from milequest.htmx import fragment_or_see_other, see_other, wants_fragment
from milequest.lib.qr_codes import qr_svg
from milequest.services.core.team_access import Need
from milequest.services.teamwork import team_invites, teams

bp = Blueprint("invites", __name__)


def _invites_context(team, form=None) -> dict:
    link = team_invites.share_link(team)
    link_url = url_for("invites.join_link", code=link.code, _external=True) if link else None
    return {
        "team": team,
        "form": form or EmailInviteForm(),
        "share_link": link,
        "share_url": link_url,
        "share_code": team_invites.format_code(link.code) if link else None,
        "qr": qr_svg(link_url, f"QR code to join {team.name}") if link_url else None,
        "pending": team_invites.pending_email_invites(team),
    }


@bp.get("/teams/<int:team_id>/invites")
@team_view(bp, need=Need.CAPTAIN)
def manage(access):
    return render_template("invites/manage.html", **_invites_context(access.team))


@bp.post("/teams/<int:team_id>/invites")
@team_view(bp, need=Need.CAPTAIN)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_TEAM_INVITES"],
    key_func=lambda: f"invites:{current_user.id}",
)
def invite_by_email(access):
    form = EmailInviteForm()
    if access.team.is_archived:
        form.form_errors.append("This team is archived: it can no longer invite.")
    if form.form_errors or not form.validate():
        return render_template("invites/manage.html", **_invites_context(access.team, form)), 422
    team_invites.invite_by_email(access.team, current_user, form.email.data)
    db.session.commit()
    flash(f"Invite sent to {form.email.data}.", "success")
    return see_other(url_for("invites.manage", team_id=access.team.id))


@bp.post("/teams/<int:team_id>/invites/<int:invite_id>/revoke")
@team_view(bp, need=Need.CAPTAIN)
def revoke(access, invite_id: int):
    team_invites.revoke(access.team, invite_id)
    db.session.commit()
    return fragment_or_see_other(
        "invites/_pending.html",
        url_for("invites.manage", team_id=access.team.id),
        **_invites_context(access.team),
    )


@bp.post("/teams/<int:team_id>/share-link")
@team_view(bp, need=Need.CAPTAIN)
def rotate_link(access):
    if team_invites.rotate_share_link(access.team, current_user) is None:
        return fragment_or_see_other(
            "invites/_share.html",
            url_for("invites.manage", team_id=access.team.id),
            error="This team is archived: it can no longer invite.",
            **_invites_context(access.team),
        )
    db.session.commit()
    if not wants_fragment():  # the swapped fragment shows the new code itself
        flash("New link and code made. The old ones no longer work.", "success")
    return fragment_or_see_other(
        "invites/_share.html",
        url_for("invites.manage", team_id=access.team.id),
        **_invites_context(access.team),
    )


@bp.get("/join")
def join_code_form():
    return render_template("invites/join_code.html", form=JoinCodeForm())


@bp.post("/join")
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN_CODE"])
def join_code():
    form = JoinCodeForm()
    if not form.validate():
        return render_template("invites/join_code.html", form=form), 422
    code = team_invites.normalize_code(form.code.data)
    try:
        team_invites.usable_invite(code, "link")
    except team_invites.InviteUnusable as problem:
        form.code.errors.append(_CODE_PROBLEMS.get(problem.reason, _CODE_PROBLEMS["unknown"]))
        return render_template("invites/join_code.html", form=form), 422
    return see_other(url_for("invites.join_link", code=code))


@bp.get("/join/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN_CODE"])
def join_link(code: str):
    return _invite_page(code, "link")


@bp.post("/join/<code>")
@login_required
def accept_link(code: str):
    return _accept(code, "link")


@bp.get("/invites/<token>")
def email_invite(token: str):
    return _invite_page(token, "email")


@bp.post("/invites/<token>")
@login_required
def accept_email_invite(token: str):
    return _accept(token, "email")


@bp.post("/invites/<token>/switch-account")
def switch_account(token: str):
    """Log out and come back to the invite, to log in with the account it was sent to."""
    logout_user()
    session.clear()
    flash("You are logged out. Log in with the email address this invite was sent to.", "info")
    return see_other(url_for("invites.email_invite", token=token), reload=True)


_CODE_PROBLEMS = {
    "unknown": "No team uses that code. Check it with your captain.",
    "expired": "That code has expired. Ask your captain for the new one.",
    "revoked": "That code was replaced. Ask your captain for the new one.",
    "archived": "That team is archived and no longer takes members.",
}


def _invite_page(code: str, kind: str):
    try:
        invite = team_invites.usable_invite(code, kind)
    except team_invites.InviteUnusable as problem:
        return render_template(
            "invites/unusable.html", reason=problem.reason, kind=kind
        ), 410 if problem.reason != "unknown" else 404
    already = current_user.is_authenticated and teams.is_member(invite.team, current_user)
    refusal = None
    if current_user.is_authenticated and not already:
        refusal = team_invites.refusal(invite, current_user)
    return render_template(
        "invites/accept.html",
        preview=team_invites.preview(invite),
        team=invite.team,
        kind=kind,
        already=already,
        refusal=refusal,
        action=request.path,
        switch_url=url_for("invites.switch_account", token=code) if kind == "email" else None,
    ), 403 if refusal else 200


def _accept(code: str, kind: str):
    try:
        membership = teams.join_with_invite(code, kind, current_user)
    except team_invites.InviteNotYours:
        db.session.rollback()
        return _invite_page(code, kind)
    except team_invites.InviteUnusable as problem:
        db.session.rollback()
        return render_template("invites/unusable.html", reason=problem.reason, kind=kind), 410
    except teams.TeamError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(request.path, code=303)
    db.session.commit()
    flash(f"Welcome to {membership.team.name}!", "success")
    return see_other(url_for("teams.show", team_id=membership.team_id))
