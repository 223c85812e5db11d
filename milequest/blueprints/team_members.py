"""Captain tools for the member list: promote, demote, remove. Each swaps #members with htmx."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from milequest.blueprints.changes import commit_unless_refused
from milequest.blueprints.team_scope import team_view
from milequest.htmx import fragment_or_see_other
from milequest.models.team import ROLES
from milequest.refusals import Refused
from milequest.services.core import team_access
from milequest.services.core.team_access import Need
from milequest.services.teamwork import teams

bp = Blueprint("team_members", __name__, url_prefix="/teams/<int:team_id>/members")


@bp.get("/")
@team_view(bp, need=Need.MEMBER)
def index(access):
    return render_template(
        "teams/members.html", access=access, team=access.team, members=teams.members_of(access.team)
    )


@bp.post("/<int:membership_id>/role")
@team_view(bp, need=Need.CAPTAIN)
def change_role(access, membership_id: int):
    member = _member_or_404(access.team, membership_id)
    role = request.form.get("role")
    if role not in ROLES:
        abort(422)
    refused = commit_unless_refused(
        lambda: teams.change_role(access.team, member, role, current_user)
    )
    return _member_list(access, refused)


@bp.post("/<int:membership_id>/remove")
@team_view(bp, need=Need.CAPTAIN)
def remove(access, membership_id: int):
    member = _member_or_404(access.team, membership_id)
    refused = commit_unless_refused(
        lambda: teams.leave_team(access.team, member.user, removed_by=current_user)
    )
    return _member_list(access, refused)


def _member_or_404(team, membership_id: int):
    member = teams.member(team, membership_id)
    if member is None:
        abort(404)
    return member


def _member_list(access, refused: Refused | None):
    """The member list again after a change; a rule that refused it is shown."""
    access = team_access.check(access.team.id, current_user)  # the viewer's role may have changed
    return fragment_or_see_other(
        "teams/_members.html",
        url_for("team_members.index", team_id=access.team.id),
        error=str(refused) if refused else None,
        access=access,
        team=access.team,
        members=teams.members_of(access.team),
    )
