"""Photos: an activity's photos and uploads, authorized image URLs, and the review queues.

Images are served only through `image`, after `photo_reviews.can_view`: anyone else gets 404,
as if the photo did not exist. Originals are never served.
"""

from flask import Blueprint, Response, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required

from milequest.blueprints.team_scope import team_view
from milequest.extensions import db, limiter
from milequest.forms.photos import PhotoUploadForm, ReviewForm, uploads
from milequest.htmx import see_other
from milequest.lib.photo_storage import storage
from milequest.models import Photo
from milequest.services.core import operators
from milequest.services.core.team_access import Need
from milequest.services.gallery import photo_reviews, photos
from milequest.services.walks import activities

bp = Blueprint("photos", __name__)
CACHE_FOREVER = "private, max-age=31536000, immutable"  # derived images never change
bp.add_app_template_global(photo_reviews.is_shared, "photo_is_shared")


@bp.get("/photos/<int:photo_id>/<any(display, thumb):size>.jpg")
@login_required
def image(photo_id: int, size: str):
    photo = db.session.get(Photo, photo_id)
    if (
        photo is None
        or photo.moderated_at is None
        or not photo_reviews.can_view(photo, current_user)
    ):
        abort(404)
    try:
        data = storage().get(photo.derived_key(size))
    except KeyError:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response


@bp.get("/activities/<int:activity_id>/photos")
@login_required
def manage(activity_id: int):
    return _manage_page(_own_activity(activity_id), PhotoUploadForm())


@bp.post("/activities/<int:activity_id>/photos")
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_UPLOADS"], key_func=lambda: f"photos:{current_user.id}"
)
def upload(activity_id: int):
    activity = _own_activity(activity_id)
    form = PhotoUploadForm()
    if form.validate():
        try:
            added = photos.attach_photos(activity, uploads(request.files))
            db.session.commit()
            flash(_added_message(len(added)), "success" if added else "info")
            return see_other(url_for("photos.manage", activity_id=activity.id))
        except photos.PhotoInvalid as invalid:
            db.session.rollback()
            form.form_errors.append(str(invalid))
    return _manage_page(activity, form, 422)


@bp.post("/photos/<int:photo_id>/delete")
@login_required
def delete(photo_id: int):
    photo = photos.owned_photo(photo_id, current_user.id) or abort(404)
    activity_id = photo.activity_id
    photos.delete_photo(photo)
    db.session.commit()
    flash("Photo deleted.", "info")
    return see_other(url_for("photos.manage", activity_id=activity_id))


@bp.get("/teams/<int:team_id>/photos/review")
@team_view(bp, need=Need.CAPTAIN)
def team_review(access):
    held = photo_reviews.held_photos(access.team.id)
    return render_template("photos/review.html", team=access.team, held=held, form=ReviewForm())


@bp.post("/teams/<int:team_id>/photos/review")
@team_view(bp, need=Need.CAPTAIN)
def team_decide(access):
    _decide(ReviewForm(), access.team.id)
    return see_other(url_for("photos.team_review", team_id=access.team.id))


@bp.get("/photos/review")
@login_required
def operator_review():
    _operators_only()
    held = photo_reviews.held_photos()
    return render_template("photos/review.html", team=None, held=held, form=ReviewForm())


@bp.post("/photos/review")
@login_required
def operator_decide():
    _operators_only()
    _decide(ReviewForm(), None)
    return see_other(url_for("photos.operator_review"))


def _decide(form: ReviewForm, team_id: int | None) -> None:
    """Apply a review decision and flash what happened (a stale one is not an error)."""
    try:
        if not form.validate():
            raise photo_reviews.NotWaiting
        photo_reviews.review_photo(form.photo_id.data, current_user, form.decision.data, team_id)
        db.session.commit()
        flash(
            "Photo approved." if form.decision.data == "approve" else "Photo rejected.", "success"
        )
    except photo_reviews.NotWaiting:
        db.session.rollback()
        flash("That photo is no longer waiting for a review.", "info")


def _own_activity(activity_id: int):
    return activities.owned_activity(activity_id, current_user) or abort(404)


def _operators_only() -> None:
    if not operators.is_operator(current_user):
        abort(404)


def _manage_page(activity, form: PhotoUploadForm, status: int = 200):
    return render_template(
        "photos/manage.html",
        activity=activity,
        photos=photos.photos_of(activity),
        form=form,
        max_photos=photos.MAX_PHOTOS,
    ), status


def _added_message(count: int) -> str:
    if not count:
        return "Choose at least one photo to add."
    return f"Added {count} photo{'s' if count > 1 else ''}: we check each before teammates see it."
