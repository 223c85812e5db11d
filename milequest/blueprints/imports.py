"""Importing GPS files: the upload form, and each upload's per-file progress and results."""

import uuid

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from milequest.extensions import db, limiter
from milequest.forms.imports import ImportForm
from milequest.htmx import render, see_other
from milequest.services.gps_imports import import_batches, imports

bp = Blueprint("imports", __name__, url_prefix="/imports")
LIST_LIMIT = 100  # files listed one by one; past it, only those not imported
MAX_REQUEST_BYTES = imports.MAX_EXPORT_BYTES + 2**20  # a Strava export and the form around it


@bp.before_request
@login_required
def _walkers_only():
    pass


@bp.record_once
def _first_raise_the_size_limit(state) -> None:
    # CSRFProtect reads the form in an app-wide hook that runs before any blueprint's: the
    # upload's own limit must be set before it, else a Strava export meets MAX_CONTENT_LENGTH.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_size_limit)


def _upload_size_limit() -> None:
    # Only for a walker: a stranger's 1 GB body would be read to disk before CSRF refused it.
    if request.endpoint == "imports.create" and current_user.is_authenticated:
        request.max_content_length = MAX_REQUEST_BYTES


@bp.get("/")
def new():
    return render_template("imports/new.html", form=ImportForm())


@bp.post("/")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_UPLOADS"], key_func=lambda: f"imports:{current_user.id}"
)
def create():
    form = ImportForm()
    if form.validate():
        try:
            batch_id = imports.accept_upload(current_user, form.uploads())
        except imports.UploadRefused as refused:
            form.files.errors.append(str(refused))
        else:
            db.session.commit()
            return see_other(url_for("imports.show", batch_id=batch_id))
    return render_template("imports/new.html", form=form), 422


@bp.get("/<uuid:batch_id>")
def show(batch_id: uuid.UUID):
    jobs = imports.batch(current_user, batch_id) or abort(404)
    done = all(job.is_done for job in jobs)
    listed, unlisted = import_batches.to_list(jobs, LIST_LIMIT)
    return render(
        "imports/show.html",
        "imports/_batch.html",
        jobs=listed,
        unlisted=unlisted,
        done=done,
        batch_id=batch_id,
        progress=import_batches.progress(jobs),
    )
