"""A real Celery worker process runs the platform's tasks on the configured broker.

On PostgreSQL + Redis in CI this is Redis; on the embedded default the filesystem broker.
"""

import time

import pytest

from audit.models import IntegrityCheck
from tests.utils.workers import celery_worker, sending_tasks

pytestmark = pytest.mark.celery_worker


def _wait_for_checks(count: int, worker) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and IntegrityCheck.objects.count() < count:
        time.sleep(0.5)
    assert IntegrityCheck.objects.count() >= count, f"no verification ran:\n{worker.log()}"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_chain_verification_task(tmp_path):
    assert not IntegrityCheck.objects.exists()
    with celery_worker(tmp_path / "worker.log") as worker:
        # A fresh installation: the worker's start sends the first verification itself.
        _wait_for_checks(1, worker)
        before = IntegrityCheck.objects.count()
        with sending_tasks():
            from audit.tasks import verify_audit_chain

            verify_audit_chain.delay()
        _wait_for_checks(before + 1, worker)
        assert all(check.ok for check in IntegrityCheck.objects.all())
