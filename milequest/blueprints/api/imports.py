"""GPS imports: upload files (multipart, like the page), then poll the upload's status."""

import uuid

from flask import current_app, request, url_for
from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import WRITE_ERRORS, FieldsQuery, bp, operation, resource
from milequest.blueprints.api.problems import ApiProblem, invalid
from milequest.extensions import db, limiter
from milequest.services.gps_imports import import_batches, imports


@bp.post("/imports")
@operation(
    tags=("imports",),
    ok={202: schemas.ImportBatch},
    form=schemas.ImportUpload,
    errors=(*WRITE_ERRORS, 413),
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_UPLOADS"], key_func=lambda: f"imports:{current_user.id}"
)
def create_import():
    """Upload GPX, TCX or FIT files (or a zip of them) as multipart/form-data field `files`;
    the answer says where to poll (`Location`)."""
    uploads = [(f.filename, f.stream) for f in request.files.getlist("files") if f.filename]
    try:
        batch_id = imports.accept_upload(current_user, uploads)
    except imports.UploadRefused as refused:
        db.session.rollback()
        raise invalid({"files": str(refused)}) from None
    db.session.commit()
    location = url_for("api.import_status", batch_id=batch_id)
    return resource(
        schemas.ImportBatch, batch_json(batch_id), status=202, headers={"Location": location}
    )


@bp.get("/imports/<uuid:batch_id>")
@operation(tags=("imports",), ok={200: schemas.ImportBatch}, query=FieldsQuery, cached=True)
def import_status(batch_id: uuid.UUID, query):
    """An upload's progress and each file's result (poll until `done`)."""
    return resource(schemas.ImportBatch, batch_json(batch_id))


def batch_json(batch_id: uuid.UUID) -> dict:
    jobs = imports.batch(current_user, batch_id)
    if not jobs:
        raise ApiProblem(404, "There is no upload of yours at this address.")
    progress = import_batches.progress(jobs)
    return {
        "batch_id": str(batch_id),
        "done": all(job.is_done for job in jobs),
        "progress": {
            "files": progress.files,
            "done": progress.done,
            "activities": progress.activities,
            "skipped": progress.skipped,
            "not_imported": progress.not_imported,
            "percent": progress.percent,
        },
        "files": [
            {
                "filename": job.filename,
                "status": job.status,
                "message": job.message,
                "imported_count": job.imported_count,
            }
            for job in jobs
        ],
    }
