"""'Download my data': ask for the zip, watch it being built, download it (its walker only)."""

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from milequest.extensions import db
from milequest.htmx import render, see_other
from milequest.lib.photo_storage import storage
from milequest.services.walkers import data_exports

bp = Blueprint("data_exports", __name__, url_prefix="/account/data")


@bp.before_request
@login_required
def _walkers_only():
    pass


@bp.app_template_global("latest_data_export")
def latest_data_export():
    """(the walker's latest export or None, whether it can be downloaded) for the profile."""
    export = data_exports.latest_export(current_user)
    return export, export is not None and data_exports.is_downloadable(export)


@bp.post("/")
def create():
    export = data_exports.request_export(current_user)
    db.session.commit()
    return see_other(url_for("data_exports.show", export_id=export.id))


@bp.get("/<int:export_id>")
def show(export_id: int):
    export = data_exports.owned_export(export_id, current_user) or abort(404)
    return render(
        "data_exports/show.html",
        "data_exports/_export.html",
        export=export,
        downloadable=data_exports.is_downloadable(export),
    )


@bp.get("/<int:export_id>/download")
def download(export_id: int):
    export = data_exports.owned_export(export_id, current_user) or abort(404)
    if not export.is_done:
        return redirect(url_for("data_exports.show", export_id=export.id))
    if not data_exports.is_downloadable(export):
        return render_template("data_exports/gone.html"), 410
    return Response(
        storage().get(export.storage_key),
        mimetype="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="mile-quest-data.zip"',
            "Cache-Control": "private, no-store",
        },
    )
