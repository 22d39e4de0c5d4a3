"""Celery tasks of the analysis app: one task runs any analysis job by its row id."""

from __future__ import annotations

from celery import shared_task

from analysis.models import AnalysisJob
from ilp_platform.core import jobs


@shared_task(name="analysis.run_analysis_job", **jobs.TASK_OPTIONS)
def run_analysis_job(self, job_id: int) -> str:
    """Run analysis job ``job_id``: claims the row, finishes it once, retries transient errors.

    A second delivery of a finished job does nothing (``skipped``); a row that is gone is
    skipped the same way.
    """
    from analysis.services.jobs import execute_job

    return execute_job(job_id)


# The periodic sweep re-enqueues analysis jobs left queued by a broker outage.
jobs.register(AnalysisJob, run_analysis_job)
