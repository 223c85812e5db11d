"""Team pages: directory, create, the team page, edit, archive, join a public team, leave."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from milequest.blueprints import captain_members, conditional, log_forms
from milequest.blueprints.changes import commit_unless_refused
from milequest.blueprints.postcards import unseen_postcards
from milequest.blueprints.team_scope import team_view
from milequest.extensions import db
from milequest.forms.base import searchable
from milequest.forms.teams import TeamForm
from milequest.htmx import render, see_other
from milequest.refusals import Refused
from milequest.services.core.team_access import Need
from milequest.services.live import live_fragments, team_page_parts
from milequest.services.teamwork import team_invites, teams
from milequest.services.walks import activities, activity_reviews

bp = Blueprint("teams", __name__, url_prefix="/teams")


@bp.get("/")
@login_required
def directory():
    query = searchable(request.args.get("q", ""))[:60]
    found = teams.directory(query)
    return render("teams/directory.html", "teams/_directory_results.html", teams=found, q=query)


@bp.get("/new")
@login_required
def new_form():
    return render_template("teams/new.html", form=TeamForm())


@bp.post("/new")
@login_required
def create():
    form = TeamForm()
    if not current_user.is_verified:
        form.form_errors.append("Confirm your email address before creating a team.")
    if form.form_errors or not form.validate():
        return render_template("teams/new.html", form=form), 422
    team = teams.create_team(current_user, **_team_fields(form))
    db.session.commit()
    flash(f"{team.name} is ready. Invite your teammates!", "success")
    return see_other(url_for("invites.manage", team_id=team.id))


@bp.get("/<int:team_id>")
@team_view(bp, need=Need.VISITOR)
def show(access):
    if not access.is_member:
        return render_template("teams/preview.html", team=access.team)
    return render_template(
        "teams/show.html",
        **_page_parts(access),
        last_event_id=access.last_event_id,
        live_parts=live_fragments.PER_VIEWER_PARTS,
        share_link=team_invites.share_link(access.team) if access.can_manage else None,
        held_activities=activity_reviews.held_for_team(access.team) if access.can_manage else [],
        unseen_postcards=unseen_postcards(access),
    )


@bp.get("/<int:team_id>/parts/<name>")
@team_view(bp, need=Need.MEMBER)
def part(access, name: str):
    """One viewer-dependent part of the team page, fetched when a live message says it changed."""
    template = live_fragments.per_viewer_template(name) or abort(404)
    return render_template(template, **_page_parts(access))


@bp.get("/<int:team_id>/leaderboard")
@team_view(bp, need=Need.MEMBER)
def leaderboard(access):
    """The leaderboard fragment alone (empty without a journey to show); 304 while current."""
    shared = _shared_parts(access)
    return conditional.answer(
        shared.version.tag("leaderboard", current_user.units), lambda: shared.leaderboard
    )


@bp.get("/<int:team_id>/edit")
@team_view(bp, need=Need.CAPTAIN)
def edit_form(access):
    return render_template("teams/edit.html", team=access.team, form=TeamForm(obj=access.team))


@bp.post("/<int:team_id>/edit")
@team_view(bp, need=Need.CAPTAIN)
def edit(access):
    form = TeamForm()
    if form.validate():
        try:
            teams.update_team(access.team, **_team_fields(form))
            db.session.commit()
            flash("Team saved.", "success")
            return see_other(url_for("teams.show", team_id=access.team.id))
        except teams.TeamError as error:
            form.form_errors.append(str(error))
    return render_template("teams/edit.html", team=access.team, form=form), 422


@bp.post("/<int:team_id>/archive")
@team_view(bp, need=Need.CAPTAIN)
def archive(access):
    team = access.team
    if refused := commit_unless_refused(lambda: teams.archive_team(team, current_user)):
        return _back_to_team(team, refused)
    flash(f"{team.name} is archived. It stays readable for its members.", "info")
    return see_other(url_for("pages.dashboard"))


@bp.post("/<int:team_id>/join")
@team_view(bp, need=Need.VISITOR)
def join(access):
    team = access.team
    if refused := commit_unless_refused(
        lambda: teams.join_team(team, current_user, via="directory")
    ):
        return _back_to_team(team, refused)
    flash(f"Welcome to {team.name}!", "success")
    return see_other(url_for("teams.show", team_id=team.id))


@bp.post("/<int:team_id>/leave")
@team_view(bp, need=Need.MEMBER)
def leave(access):
    team = access.team
    if refused := commit_unless_refused(lambda: teams.leave_team(team, current_user)):
        return _back_to_team(team, refused)
    flash(f"You left {team.name}.", "info")
    return see_other(url_for("pages.dashboard"))


def _back_to_team(team, refused: Refused):
    """A rule refused the change: the team page says why."""
    flash(str(refused), "error")
    return see_other(url_for("teams.show", team_id=team.id))


def _page_parts(access) -> dict:
    """What the team page's parts need (the page, and each part on its own): the shared parts
    come rendered from the team's version; the viewer's own are rendered here, every time."""
    shared = _shared_parts(access)
    journey = shared.shown  # read once per team version
    parts = {"access": access, "team": access.team, "journey": journey, "shared": shared}
    if access.can_manage:  # the captain's list has a form per member
        parts["captain_members"] = captain_members.member_list(access)
    if journey is not None and journey.is_active:  # a log form with a fresh client id
        today = activities.today_for(current_user)
        parts["log_form"] = log_forms.log_form(current_user.units, today, access.team.id)
    return parts


def _shared_parts(access) -> team_page_parts.SharedParts:
    version = team_page_parts.version_of(access)
    return team_page_parts.SharedParts(access.team, version, current_user.units)


def _team_fields(form: TeamForm) -> dict:
    return {
        "name": form.name.data,
        "description": form.description.data,
        "is_public": form.is_public.data,
        "member_limit": form.member_limit.data,
    }
