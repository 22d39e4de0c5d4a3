"""A real Celery worker process runs the platform's tasks on the configured broker.

On PostgreSQL + Redis in CI this is Redis; on the embedded default the filesystem broker.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from audit.models import IntegrityCheck
from ilp_platform.celery import app

pytestmark = pytest.mark.celery_worker


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_chain_verification_task(tmp_path):
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
            f"test-{os.getpid()}@%h",
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
            from audit.tasks import verify_audit_chain

            verify_audit_chain.delay()
        finally:
            app.conf.task_always_eager = previous
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not IntegrityCheck.objects.exists():
            time.sleep(0.5)
        log = (tmp_path / "worker.log").read_text()
        assert IntegrityCheck.objects.exists(), f"worker did not run the task:\n{log}"
        assert IntegrityCheck.objects.get().ok
    finally:
        worker.terminate()
        worker.wait(timeout=30)
