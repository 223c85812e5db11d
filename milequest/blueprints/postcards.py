"""Milestone postcards (the banner, dismissing one, a journey's gallery) and the certificate
of a completed journey, as a printable page and as an image to share. Members only."""

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user

from milequest.blueprints.team_scope import team_view
from milequest.extensions import db
from milequest.htmx import fragment_or_see_other
from milequest.lib import svg_images
from milequest.models.base import utcnow
from milequest.services.core.team_access import Need
from milequest.services.journeying import journeys, postcards
from milequest.services.live import team_page_parts
from milequest.services.teamwork import leaderboards

bp = Blueprint("postcards", __name__, url_prefix="/teams/<int:team_id>")
CERTIFICATE_PNG_WIDTH = 1280  # twice the drawing's 640: sharp on a phone's screen


def unseen_postcards(access) -> list:
    """The team page's banner: what this member has not seen yet, recorded as seen now (not
    asked again at a team version where they had seen them all)."""
    version = team_page_parts.version_of(access)
    seen = team_page_parts.ALL_POSTCARDS_SEEN
    if seen.peek(access.membership.id) == version:
        return []
    shown = postcards.show_unseen(access.membership)
    if shown:
        db.session.commit()
    seen.put(access.membership.id, version)
    return shown


@bp.post("/postcards/<int:postcard_id>/dismiss")
@team_view(bp, need=Need.MEMBER)
def dismiss(access, postcard_id: int):
    postcard = postcards.team_postcard(access.team.id, postcard_id) or abort(404)
    postcards.mark_seen(postcard, current_user.id)
    db.session.commit()
    back = url_for("teams.show", team_id=access.team.id)
    return fragment_or_see_other("postcards/_dismissed.html", back, postcard=postcard)


@bp.get("/journeys/<int:journey_id>/postcards")
@team_view(bp, need=Need.MEMBER)
def gallery(access, journey_id: int):
    journey = postcards.team_journey(access.team.id, journey_id) or abort(404)
    return render_template(
        "postcards/gallery.html",
        team=access.team,
        journey=journey,
        postcards=postcards.of_journey(journey),
    )


@bp.get("/journeys/<int:journey_id>/certificate")
@team_view(bp, need=Need.MEMBER)
def certificate(access, journey_id: int):
    return render_template("postcards/certificate.html", **_certificate(access, journey_id))


@bp.get("/journeys/<int:journey_id>/certificate.svg")
@team_view(bp, need=Need.MEMBER)
def certificate_image(access, journey_id: int):
    return Response(_certificate_svg(access, journey_id), mimetype="image/svg+xml")


@bp.get("/journeys/<int:journey_id>/certificate.png")
@team_view(bp, need=Need.MEMBER)
def certificate_picture(access, journey_id: int):
    picture = svg_images.png_from_svg(_certificate_svg(access, journey_id), CERTIFICATE_PNG_WIDTH)
    return Response(picture, mimetype="image/png")


def _certificate_svg(access, journey_id: int) -> str:
    return render_template("postcards/certificate.svg", **_certificate(access, journey_id))


def _certificate(access, journey_id: int) -> dict:
    journey = postcards.completed_journey(access.team.id, journey_id) or abort(404)
    return {
        "team": access.team,
        "journey": journey,
        "progress": journeys.progress(journey),
        "days": ((journey.ended_at or utcnow()).date() - journey.started_on).days + 1,
        "walkers": postcards.walkers_so_far(journey.id),
        "standings": leaderboards.leaderboard(journey),
    }
