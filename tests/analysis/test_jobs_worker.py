"""A hotspot job runs in a real Celery worker process on the configured broker."""

import time

import pytest

from analysis.models import AnalysisJob
from analysis.services.jobs import request_job
from ilp_platform.core import context
from tests.analysis.test_jobs_services import _scatter
from tests.utils.workers import celery_worker, sending_tasks

pytestmark = pytest.mark.celery_worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_hotspot_job_and_its_progress_reaches_100(
    tmp_path, world, job_incidents
):
    job_incidents(_scatter(400))
    with celery_worker(tmp_path / "worker.log", name="test-jobs") as worker:
        with sending_tasks(), context.acting(user=world.analyst, justification="OP-TEST worker"):
            job = request_job(actor=world.analyst, kind="hotspot", params={"cell_size_m": 300})
        seen = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            seen.add((job.status, job.progress))
            if job.is_finished:
                break
            time.sleep(0.2)
        assert job.status == "succeeded", f"{job.status} {job.message}\n{worker.log()}"
        assert job.progress == 100
        assert job.result["summary"]["incidents"] == 400
        # What a polling page saw never went backwards.
        progress_seen = sorted(p for _status, p in seen)
        assert progress_seen[-1] == 100
        assert AnalysisJob.objects.get(pk=job.pk).attempts == 1
