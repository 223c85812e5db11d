"""GPS file imports on the `imports` queue: thin wrappers over services.imports."""

from celery import shared_task

from milequest.extensions import db
from milequest.services.gps_imports import imports


@shared_task(name="workers.imports.import_file")
def import_file(import_id: int) -> None:
    try:
        imports.run_import(import_id)
    except Exception:
        db.session.rollback()
        imports.fail(import_id, "Importing this file failed on our side. Try uploading it again.")
        db.session.commit()
        raise
    db.session.commit()


@shared_task(name="workers.imports.sweep_stuck_imports")
def sweep_stuck_imports() -> int:
    """Re-enqueue imports whose job never ran (broker outage, lost task)."""
    ids = imports.stuck_import_ids()
    for import_id in ids:
        imports.enqueue(import_id)
    return len(ids)
