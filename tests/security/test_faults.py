"""Faults: the worker, the broker and the database fail while the platform works.

PostgreSQL + Redis only (the embedded default has neither a broker server nor database
backends to kill). The shared services of the machine are never stopped: each test starts a
private ``redis-server`` on a free port for its broker, and the database faults touch only the
test database's own connections and tables.

Cases, each counted in ``FIGURES`` (printed at the end, quoted in docs/security.md):

- a Celery worker killed with SIGKILL during an analysis job: after the sweep and a new worker,
  the job finishes exactly once (one result, one ``job_run`` success event);
- Redis stopped while reports are submitted and jobs requested: the reports are saved, the
  jobs stay ``queued``; once Redis is back the sweep sends them and they run;
- every PostgreSQL connection of the application terminated (a server restart as clients see
  it) while requests run against a real gunicorn process: it answers again without a restart
  and no acknowledged write is lost;
- the audit table made unwritable (a trigger refusing inserts): writes fail closed, nothing is
  stored, reads answer 503; once writable again the platform carries on.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.celery import app
from tests.utils.access import JUSTIFICATION, api_client
from tests.utils.workers import CeleryWorker, database_url

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

FIGURES = {"injected": 0, "survived": 0, "records_lost": 0, "acknowledged_writes": 0}


def _skip_unless_services():
    if connection.vendor != "postgresql":
        pytest.skip("fault tests need PostgreSQL (set DATABASE_URL); the embedded default has none")
    if not getattr(settings, "REDIS_URL", None):
        pytest.skip("fault tests need Redis (set REDIS_URL)")
    if not shutil.which("redis-server"):
        pytest.skip("fault tests start a private redis-server, which is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class PrivateRedis:
    """A redis-server of our own on a free port: stopping it disturbs no one else."""

    def __init__(self, workdir):
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self.answers, 15, "the private redis-server")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


class Worker(CeleryWorker):
    """A real Celery worker process on the private broker and the test database."""

    def __init__(self, broker_url: str, log_path):
        super().__init__(log_path, env={"REDIS_URL": broker_url})
        self.broker_url = broker_url


def _reset_producers() -> None:
    """Forget pooled broker connections so the next send uses ``app.conf.broker_url``."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_broker(tmp_path):
    """The test process and its workers use a private Redis as broker."""
    _skip_unless_services()
    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False
    _reset_producers()
    try:
        yield redis
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_producers()
        redis.stop()


@pytest.fixture
def workers(redis_broker, tmp_path):
    started: list[Worker] = []

    def make() -> Worker:
        worker = Worker(redis_broker.url, tmp_path / "worker.log")
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def _incidents(world, count: int = 200):
    import random

    from django.utils import timezone

    from intelligence.models import CrimeType, Incident

    rng = random.Random(7)
    # Transactional tests empty the tables afterwards, reference data included.
    burglary, _ = CrimeType.objects.get_or_create(slug="burglary", defaults={"name": "Burglary"})
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            reference=f"INC-FAULT-{n:05d}",
            crime_type=burglary,
            occurred_from=now - dt.timedelta(days=rng.uniform(0, 90)),
            latitude=51.45 + rng.uniform(-0.02, 0.02),
            longitude=-2.59 + rng.uniform(-0.02, 0.02),
            compartment=world.general,
        )
        for n in range(count)
    )


def _request_job(world, kind: str = "temporal"):
    from analysis.services.jobs import request_job
    from ilp_platform.core import context

    with context.acting(user=world.analyst, justification=JUSTIFICATION):
        return request_job(actor=world.analyst, kind=kind, params={})


def _job_runs(job, outcome: str = "success"):
    return AuditEvent.objects.filter(action="job_run", object_id=str(job.pk), outcome=outcome)


def _admin_connection():
    """A separate connection to the test database, for locks, triggers and terminations."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_leaves_the_job_to_finish_exactly_once_on_a_new_worker(
    world, workers
):
    from analysis.models import AnalysisJob
    from analysis.tasks import run_analysis_job
    from ilp_platform.core.jobs import sweep

    _incidents(world)
    job = _request_job(world)
    # Hold the incident table so the job, once claimed, waits mid-run where we can kill it.
    lock = _admin_connection()
    lock.autocommit = False
    lock.execute("LOCK TABLE intelligence_incident IN ACCESS EXCLUSIVE MODE")
    first = workers()
    first.start("doomed")
    try:
        try:
            _wait(
                lambda: AnalysisJob.objects.get(pk=job.pk).status == "running",
                60,
                "the first worker to claim the job",
            )
        except AssertionError as exc:
            job.refresh_from_db()
            raise AssertionError(f"{exc}: job {job.status}\n{first.log()}") from None
        time.sleep(0.5)
        FIGURES["injected"] += 1
        first.kill()
    finally:
        lock.rollback()
        lock.close()
    job.refresh_from_db()
    assert job.status == "running" and job.result is None
    assert not _job_runs(job).exists()

    # The sweep finds the row running without a heartbeat and sends it again.
    time.sleep(1.2)
    assert sweep(stale_after=dt.timedelta(seconds=1)) >= 1
    second = workers()
    second.start("survivor")
    _wait(lambda: AnalysisJob.objects.get(pk=job.pk).is_finished, 120, "the job to finish")
    job.refresh_from_db()
    assert job.status == "succeeded", f"{job.message}\n{second.log()}"
    finished_at, result = job.finished_at, job.result

    # A late second delivery of the same message changes nothing.
    run_analysis_job.delay(job.pk)
    time.sleep(3)
    job.refresh_from_db()
    assert (job.finished_at, job.result) == (finished_at, result)
    assert job.attempts == 2
    assert _job_runs(job).count() == 1
    assert not _job_runs(job, "failure").exists()
    FIGURES["survived"] += 1


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_reports_are_saved_and_jobs_wait_then_run_once_it_returns(
    world, redis_broker, workers
):
    from analysis.models import AnalysisJob
    from ilp_platform.core.jobs import sweep
    from intelligence.models import Report

    _incidents(world, 60)
    client = api_client(world.officer)
    analyst = api_client(world.analyst)
    FIGURES["injected"] += 1
    redis_broker.stop()
    reports_before = Report.objects.count()
    created, job_ids = [], []
    for n in range(3):
        response = client.post(
            reverse("report-list"),
            {
                "compartment": "general",
                "grading_scheme": "3x5x2",
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "text": f"Submitted while the broker is down ({n}).",
                "submit": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        created.append(response.json()["id"])
        try:
            url = reverse("job-list")
        except Exception:  # the jobs API is not there: use the service, as the page does
            job_ids.append(_request_job(world).pk)
        else:
            response = analyst.post(url, {"kind": "temporal", "params": {}}, format="json")
            assert response.status_code == 201, response.content
            job_ids.append(response.json()["id"])
    FIGURES["acknowledged_writes"] += len(created) + len(job_ids)
    assert Report.objects.count() == reports_before + 3
    assert set(AnalysisJob.objects.filter(pk__in=job_ids).values_list("status", flat=True)) == {
        "queued"
    }

    redis_broker.start()
    worker = workers()
    worker.start("after-outage")
    assert sweep(queued_after=dt.timedelta(microseconds=1)) >= len(job_ids)
    _wait(
        lambda: all(j.is_finished for j in AnalysisJob.objects.filter(pk__in=job_ids)),
        120,
        "the queued jobs to run",
    )
    statuses = set(AnalysisJob.objects.filter(pk__in=job_ids).values_list("status", flat=True))
    assert statuses == {"succeeded"}, worker.log()
    lost = 3 - Report.objects.filter(pk__in=created).count()
    FIGURES["records_lost"] += lost
    assert lost == 0
    FIGURES["survived"] += 1


class Server:
    """The platform under gunicorn, as production runs it, on the test database."""

    def __init__(self, log_path):
        self.port = _free_port()
        self.log_path = log_path
        self.process = None

    def start(self):
        env = dict(os.environ)
        env.update(DATABASE_URL=database_url(), ILP_ENV="test", CELERY_TASK_ALWAYS_EAGER="true")
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ilp_platform.wsgi",
                "--workers",
                "1",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=open(self.log_path, "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        _wait(lambda: self.get("/healthz")[0] in (200, 503), 60, "gunicorn to answer")

    def request(self, method, path, token=None, body=None):
        import json

        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method
        )
        req.add_header("X-Justification", JUSTIFICATION)
        if token:
            req.add_header("Authorization", f"Token {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:  # noqa: S310
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError as exc:
            return 0, str(exc).encode()

    def get(self, path, token=None):
        return self.request("GET", path, token)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _refuse_connections(seconds: float) -> None:
    """A restart's down time: the test database refuses every new connection for ``seconds``
    while its open ones are ended, then accepts them again. Done from the maintenance
    database, so the shared server itself keeps running."""
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    name = sql.Identifier(db["NAME"])
    with psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [db["NAME"]],
            )
            time.sleep(seconds)
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


def _terminate_backends() -> int:
    """Kill every connection to the test database but this one: a restart as clients see it."""
    with _admin_connection() as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.mark.django_db(transaction=True)
def test_the_app_answers_again_without_a_restart_after_its_database_connections_are_killed(
    world, tmp_path
):
    import json

    from rest_framework.authtoken.models import Token

    from intelligence.models import Report

    _skip_unless_services()
    token = Token.objects.create(user=world.officer).key
    server = Server(tmp_path / "gunicorn.log")
    server.start()
    acknowledged: list[int] = []
    outcomes: list[tuple[float, int]] = []
    stop = threading.Event()

    def traffic():
        n = 0
        while not stop.is_set():
            n += 1
            status, body = server.request(
                "POST",
                "/api/v1/reports/",
                token,
                {
                    "compartment": "general",
                    "grading_scheme": "3x5x2",
                    "source_evaluation": "2",
                    "intelligence_assessment": "B",
                    "handling_code": "P",
                    "text": f"Written while the database restarts ({n}).",
                },
            )
            outcomes.append((time.monotonic(), status))
            if status == 201:
                acknowledged.append(json.loads(body)["id"])
            server.get("/api/v1/reports/", token)

    try:
        thread = threading.Thread(target=traffic, daemon=True)
        thread.start()
        time.sleep(2)
        killed_at = []
        for _ in range(3):
            FIGURES["injected"] += 1
            _terminate_backends()
            killed_at.append(time.monotonic())
            time.sleep(1.5)
        # Then a restart with its down time: three seconds during which nothing can connect.
        FIGURES["injected"] += 1
        down_from = time.monotonic()
        _refuse_connections(3)
        killed_at.append(time.monotonic())
        time.sleep(2)
        stop.set()
        thread.join(timeout=30)
        # After the last kill the application answers again, without a restart.
        status, _ = server.get("/api/v1/reports/", token)
        assert status == 200, (tmp_path / "gunicorn.log").read_text()[-3000:]
        assert server.get("/healthz")[0] in (200, 503)
        after = [s for t, s in outcomes if t > killed_at[-1] + 0.5]
        assert after and all(s == 201 for s in after), after
        # While nothing could connect, writes were refused with an error, never acknowledged.
        down = [s for t, s in outcomes if down_from + 0.5 < t < killed_at[-1]]
        assert down and all(s >= 500 for s in down), down
        FIGURES["survived"] += 4
    finally:
        stop.set()
        server.stop()
        connection.close()
    FIGURES["acknowledged_writes"] += len(acknowledged)
    lost = len(acknowledged) - Report.objects.filter(pk__in=acknowledged).count()
    FIGURES["records_lost"] += lost
    assert lost == 0


@pytest.mark.django_db(transaction=True)
def test_with_the_audit_table_unwritable_writes_fail_closed_and_reads_answer_503(world):
    from intelligence.models import Report
    from tests.intelligence.helpers import make_report
    from tests.security.access import page_client

    _skip_unless_services()
    report = make_report(world)
    browser = page_client(world.analyst)  # signed in while the log still works
    table = AuditEvent._meta.db_table
    admin = _admin_connection()
    admin.execute(
        "CREATE OR REPLACE FUNCTION sec_fault_refuse() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit table unwritable (fault test)'; END $$ LANGUAGE plpgsql"
    )
    admin.execute(
        f"CREATE TRIGGER sec_fault_refuse BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sec_fault_refuse()"
    )
    FIGURES["injected"] += 1
    try:
        reports, events = Report.objects.count(), AuditEvent.objects.count()
        response = api_client(world.officer).post(
            reverse("report-list"),
            {
                "compartment": "general",
                "grading_scheme": "3x5x2",
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "text": "Must not be stored without its audit event.",
            },
            format="json",
        )
        assert response.status_code == 503, response.content
        assert Report.objects.count() == reports
        api_read = api_client(world.analyst).get(reverse("report-detail", args=[report.pk]))
        assert api_read.status_code == 503
        assert "sanitised_text" not in api_read.content.decode()
        page = browser.get(report.get_absolute_url())
        assert page.status_code == 503
        assert report.sanitised_text not in page.content.decode()
        assert AuditEvent.objects.count() == events
    finally:
        admin.execute(f"DROP TRIGGER IF EXISTS sec_fault_refuse ON {table}")
        admin.execute("DROP FUNCTION IF EXISTS sec_fault_refuse()")
        admin.close()
    response = api_client(world.analyst).get(reverse("report-detail", args=[report.pk]))
    assert response.status_code == 200
    FIGURES["survived"] += 1


def test_zz_fault_figures(capsys):
    with capsys.disabled():
        print(
            f"\nfaults: {FIGURES['injected']} injected, {FIGURES['survived']} survived, "
            f"{FIGURES['acknowledged_writes']} acknowledged writes, "
            f"{FIGURES['records_lost']} records lost"
        )
