"""An upload's import jobs seen together: how far they have got, and which to list.

A Strava export makes thousands of jobs: the status page shows a progress bar and totals, and
lists one by one only as many as a phone can take (past that, the files not imported).
"""

from dataclasses import dataclass

from milequest.models import GpsImport
from milequest.models.gps_import import ImportStatus


@dataclass(frozen=True)
class Progress:
    files: int
    done: int
    activities: int  # imported, or waiting for a captain's review
    skipped: int  # files that were duplicates
    not_imported: int  # refused or failed files

    @property
    def percent(self) -> int:
        return 100 * self.done // self.files if self.files else 100


def progress(jobs: list[GpsImport]) -> Progress:
    return Progress(
        files=len(jobs),
        done=sum(job.is_done for job in jobs),
        activities=sum(job.imported_count for job in jobs),
        skipped=sum(job.status == ImportStatus.DUPLICATE for job in jobs),
        not_imported=sum(job.status in (ImportStatus.REFUSED, ImportStatus.FAILED) for job in jobs),
    )


def to_list(jobs: list[GpsImport], limit: int) -> tuple[list[GpsImport], int]:
    """The jobs to list (all, or past `limit` those not imported), and how many more there are."""
    if len(jobs) > limit:
        jobs = [job for job in jobs if job.status in (ImportStatus.REFUSED, ImportStatus.FAILED)]
    return jobs[:limit], max(len(jobs) - limit, 0)
