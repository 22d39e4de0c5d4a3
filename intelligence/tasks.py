"""Celery tasks of the intelligence app: incident imports and their file housekeeping."""

from __future__ import annotations

from celery import shared_task

from ilp_platform.core import jobs
from intelligence.models import ImportJob


@shared_task(name="intelligence.tasks.run_import", **jobs.TASK_OPTIONS)
def run_import(self, job_id: int) -> str:
    """Validate and load incident import ``job_id``; a finished or missing row is skipped."""
    from intelligence.imports.services import run_import as run

    return run(job_id)


@shared_task(name="intelligence.tasks.expire_import_files", acks_late=True, ignore_result=True)
def expire_import_files() -> int:
    """Periodic: delete uploaded files that were never loaded, once they expire."""
    from intelligence.imports.services import expire_files

    return expire_files()


# The periodic sweep re-enqueues imports left queued by a broker outage or a lost worker.
jobs.register(ImportJob, run_import)
