"""Captain tools for the member list: promote, demote, remove. Each swaps #members with htmx."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from milequest.blueprints.team_scope import team_view
from milequest.extensions import db
from milequest.htmx import fragment_or_see_other
from milequest.models.team import ROLES
from milequest.services import team_access, teams

bp = Blueprint("team_members", __name__, url_prefix="/teams/<int:team_id>/members")


@bp.get("/")
@team_view(bp, need="member")
def index(access):
    return render_template(
        "teams/members.html", access=access, team=access.team, members=teams.members_of(access.team)
    )


@bp.post("/<int:membership_id>/role")
@team_view(bp, need="captain")
def change_role(access, membership_id: int):
    member = _member_or_404(access.team, membership_id)
    role = request.form.get("role")
    if role not in ROLES:
        abort(422)
    return _apply(access, lambda: teams.change_role(access.team, member, role, current_user))


@bp.post("/<int:membership_id>/remove")
@team_view(bp, need="captain")
def remove(access, membership_id: int):
    member = _member_or_404(access.team, membership_id)
    return _apply(
        access, lambda: teams.leave_team(access.team, member.user, removed_by=current_user)
    )


def _member_or_404(team, membership_id: int):
    member = teams.member(team, membership_id)
    if member is None:
        abort(404)
    return member


def _apply(access, change):
    """Run a member change, then show the list again; a rule that refuses it is shown."""
    error = None
    try:
        change()
        db.session.commit()
    except teams.TeamError as refused:
        db.session.rollback()
        error = str(refused)
    access = team_access.check(access.team.id, current_user)  # the viewer's role may have changed
    return fragment_or_see_other(
        "teams/_members.html",
        url_for("team_members.index", team_id=access.team.id),
        error=error,
        access=access,
        team=access.team,
        members=teams.members_of(access.team),
    )
