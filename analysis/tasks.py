"""Celery tasks of the analysis app: one task runs any analysis job by its row id."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.signals import worker_init

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


@worker_init.connect
def warm_up_compiled_kernels(**_kwargs) -> None:
    """Compiles the near-repeat kernel (or loads it from the cache under the data directory)
    before the worker takes jobs, in the main process (this module is imported before the
    signal: the worker imports the task modules first), so the pool's processes forked from it
    have it and no job pays the compilation (about a minute the first time on a busy
    machine, a second or two from the cache)."""
    from django.conf import settings

    # The settings set NUMBA_CACHE_DIR: read them before numba is imported.
    settings.DATA_DIR  # noqa: B018
    log = logging.getLogger(__name__)
    try:
        from analysis.algorithms import near_repeat_kernel
    except ImportError:
        log.info("numba is not installed: the near-repeat job counts with numpy")
        return
    started = time.monotonic()
    near_repeat_kernel.warm_up()
    log.info("near-repeat kernel ready in %.1f s", time.monotonic() - started)
