"""A hotspot job runs in a real Celery worker process on the configured broker."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from analysis.models import AnalysisJob
from analysis.services.jobs import request_job
from ilp_platform.celery import app
from ilp_platform.core import context
from tests.analysis.test_jobs_services import _scatter
from tests.core.test_worker import _database_url

pytestmark = pytest.mark.celery_worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_hotspot_job_and_its_progress_reaches_100(
    tmp_path, world, job_incidents
):
    job_incidents(_scatter(400))
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url()
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ilp_platform",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-jobs-{os.getpid()}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    try:
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            with context.acting(user=world.analyst, justification="OP-TEST worker"):
                job = request_job(world.analyst, "hotspot", {"cell_size_m": 300})
        finally:
            app.conf.task_always_eager = previous
        seen = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            seen.add((job.status, job.progress))
            if job.is_finished:
                break
            time.sleep(0.2)
        log = (tmp_path / "worker.log").read_text()
        assert job.status == "succeeded", f"{job.status} {job.message}\n{log}"
        assert job.progress == 100
        assert job.result["summary"]["incidents"] == 400
        # What a polling page saw never went backwards.
        progress_seen = sorted(p for _status, p in seen)
        assert progress_seen[-1] == 100
        assert AnalysisJob.objects.get(pk=job.pk).attempts == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
