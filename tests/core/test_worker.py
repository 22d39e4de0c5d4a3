"""A real Celery worker process runs the platform's tasks on the configured broker.

On PostgreSQL + Redis in CI this is Redis; on the embedded default the filesystem broker.
"""

import time

import pytest

from audit.models import IntegrityCheck
from tests.utils.workers import celery_worker, sending_tasks

pytestmark = pytest.mark.celery_worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_chain_verification_task(tmp_path):
    with celery_worker(tmp_path / "worker.log") as worker:
        with sending_tasks():
            from audit.tasks import verify_audit_chain

            verify_audit_chain.delay()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not IntegrityCheck.objects.exists():
            time.sleep(0.5)
        assert IntegrityCheck.objects.exists(), f"worker did not run the task:\n{worker.log()}"
        assert IntegrityCheck.objects.get().ok
