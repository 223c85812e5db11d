"""GPS file imports on the `imports` queue: thin wrappers over services.imports."""

from celery import shared_task

from milequest.services.gps_imports import imports
from workers.job_runs import run_or_record_failure


@shared_task(name="workers.imports.import_file")
def import_file(import_id: int) -> None:
    run_or_record_failure(
        lambda: imports.run_import(import_id),
        lambda: imports.fail(
            import_id, "Importing this file failed on our side. Try uploading it again."
        ),
    )


@shared_task(name="workers.imports.sweep_stuck_imports")
def sweep_stuck_imports() -> int:
    """Re-enqueue imports whose job never ran (broker outage, lost task)."""
    ids = imports.stuck_import_ids()
    for import_id in ids:
        imports.enqueue(import_id)
    return len(ids)
