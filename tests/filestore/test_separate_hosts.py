"""Web and worker share nothing on local disk: an import uploaded by this process (the web) is
loaded by another process given a different, empty data directory, through the database
storage, as a worker on another host would (``STORAGE_BACKEND=database``).

The first test runs the import task in a separate process on either database. The second
sends it through the broker to a real Celery worker; it needs Redis, because the embedded
default's broker is itself a folder of the data directory (a single-host setup by design).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from ilp_platform.filestore.models import StoredObject
from intelligence.imports import files, services
from intelligence.models import ImportJob, Incident
from tests.intelligence.helpers import as_user
from tests.intelligence.test_imports import csv_bytes, rows
from tests.utils.storage import use_backend
from tests.utils.workers import CeleryWorker, database_url, sending_tasks

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

_RUN_TASK = """
import json, sys
import django
django.setup()
from django.conf import settings
from intelligence.tasks import run_import
status = run_import.apply(args=[int(sys.argv[1])]).get()
print(json.dumps({"status": status, "storage": settings.STORAGE_BACKEND,
                  "data_dir": str(settings.DATA_DIR)}))
"""


def _worker_env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "S3_"))}
    env.update(
        ILP_ENV="test",
        ILP_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url(),
        STORAGE_BACKEND="database",
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_SETTINGS_MODULE="ilp_platform.settings",
    )
    return env


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _upload(world, count: int, *, enqueue: bool) -> ImportJob:
    data = csv_bytes(rows(count, prefix="HOST"))
    with as_user(world.analyst):
        return services.import_file(
            actor=world.analyst,
            upload=io.BytesIO(data),
            file_name="separate-hosts.csv",
            size=len(data),
            compartment=world.general,
            enqueue=enqueue,
        )


@pytest.fixture
def web_storage(settings, tmp_path):
    with use_backend("database", settings, tmp_path) as shared:
        yield shared


def _assert_loaded(job: ImportJob, count: int, worker_dir: Path) -> None:
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    loaded = Incident.objects.filter(reference__startswith="HOST").count()
    assert job.rows_inserted == count == loaded
    # Removed from the shared storage after loading, and nothing left on the worker's disk.
    assert not StoredObject.objects.exists() and job.stored_name == ""
    assert _files_under(worker_dir) == []


def test_a_worker_with_its_own_empty_data_directory_loads_the_webs_upload(
    world, web_storage, tmp_path
):
    job = _upload(world, 150, enqueue=False)
    # The upload is in the database, not on the web process's disk.
    assert StoredObject.objects.filter(name=files.storage_name(job.stored_name)).exists()
    assert not (Path(settings.DATA_DIR) / "uploads" / "imports" / job.stored_name).exists()

    worker_dir = tmp_path / "worker-host-data"
    worker_dir.mkdir()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _RUN_TASK, str(job.pk)],
        env=_worker_env(worker_dir),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ran = json.loads(result.stdout.strip().splitlines()[-1])
    assert ran == {"status": "succeeded", "storage": "database", "data_dir": str(worker_dir)}
    assert Path(ran["data_dir"]) != Path(settings.DATA_DIR)
    _assert_loaded(job, 150, worker_dir)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs a broker outside the data directory")
def test_a_real_celery_worker_on_another_data_directory_loads_the_webs_upload(
    world, web_storage, tmp_path
):
    worker_dir = tmp_path / "worker-host-data"
    worker_dir.mkdir()
    log = tmp_path / "worker.log"
    worker = CeleryWorker(log, _worker_env(worker_dir), whole_env=True).start("test-storage")
    try:
        with sending_tasks():
            job = _upload(world, 80, enqueue=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in ("succeeded", "failed"):
                break
            time.sleep(0.5)
        assert job.status == "succeeded", f"{job.status} {job.message}\n{log.read_text()}"
        _assert_loaded(job, 80, worker_dir)
    finally:
        worker.stop()
