"""Jobs run once, fail with a message a person can act on, retry transient errors and are
picked up again by the sweep after a broker outage or a dead worker."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from analysis.kinds import registry
from analysis.models import AnalysisJob
from analysis.services import jobs as services
from analysis.tasks import run_analysis_job
from audit.models import AuditEvent
from ilp_platform.core import jobs as core_jobs
from ilp_platform.core.jobs import JobError
from tests.analysis.test_jobs_services import _scatter


@pytest.fixture
def queued_job(world, job_incidents):
    """A temporal job stored and left queued (as if the broker had not delivered it yet)."""
    job_incidents(_scatter(30))
    from ilp_platform.core import context

    with context.acting(user=world.analyst, justification="OP-TEST reliability"):
        job = services.request_job(actor=world.analyst, kind="temporal", params={})
    return job


def _job_runs(job):
    return AuditEvent.objects.filter(action="job_run", object_id=str(job.pk))


@pytest.mark.django_db
class TestReliability:
    def test_running_the_task_twice_stores_one_result_and_one_job_run_event(self, queued_job):
        assert run_analysis_job.apply(args=[queued_job.pk]).get() == "succeeded"
        queued_job.refresh_from_db()
        first_result, finished = queued_job.result, queued_job.finished_at
        assert run_analysis_job.apply(args=[queued_job.pk]).get() == "skipped"
        queued_job.refresh_from_db()
        assert queued_job.result == first_result and queued_job.finished_at == finished
        assert queued_job.attempts == 1
        assert _job_runs(queued_job).filter(outcome="success").count() == 1

    def test_a_job_error_ends_failed_with_its_message(self, queued_job, monkeypatch):
        def refuse(*args):
            raise JobError("The area holds no incidents; widen it.")

        monkeypatch.setattr(registry.get("temporal"), "run", refuse)
        run_analysis_job.apply(args=[queued_job.pk])
        queued_job.refresh_from_db()
        assert queued_job.status == "failed"
        assert queued_job.message == "The area holds no incidents; widen it."
        assert queued_job.result is None
        event = _job_runs(queued_job).get()
        assert event.outcome == "failure" and "widen" in event.details["message"]

    def test_an_unexpected_error_ends_failed_with_a_reference_to_give_the_administrator(
        self, queued_job, monkeypatch
    ):
        def crash(*args):
            raise ZeroDivisionError("division by zero")

        monkeypatch.setattr(registry.get("temporal"), "run", crash)
        run_analysis_job.apply(args=[queued_job.pk])
        queued_job.refresh_from_db()
        assert queued_job.status == "failed"
        assert "Try again" in queued_job.message
        assert f"analysisjob-{queued_job.pk}-1" in queued_job.message
        assert "division" not in queued_job.message  # no internals shown to the user

    def test_a_transient_database_error_puts_the_row_back_to_queued_and_the_task_retries(
        self, queued_job, monkeypatch
    ):
        real = registry.get("temporal").run
        seen = []

        def flaky(user, params, compartment_ids, progress):
            seen.append(AnalysisJob.objects.get(pk=queued_job.pk).status)
            if len(seen) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return real(user, params, compartment_ids, progress)

        monkeypatch.setattr(registry.get("temporal"), "run", flaky)
        statuses = []
        original_claim = core_jobs.claim

        def watching_claim(model, pk):
            statuses.append(model.objects.get(pk=pk).status)
            return original_claim(model, pk)

        monkeypatch.setattr(core_jobs, "claim", watching_claim)
        # As a worker does: the Retry raised by autoretry re-runs the task (here at once).
        run_analysis_job.apply(args=[queued_job.pk], throw=False)
        queued_job.refresh_from_db()
        assert statuses == ["queued", "queued"]  # the retry found the row queued again
        assert queued_job.status == "succeeded"
        assert queued_job.attempts == 2
        assert _job_runs(queued_job).count() == 1

    def test_the_sweep_re_enqueues_a_job_left_queued_past_the_limit(self, queued_job, settings):
        old = timezone.now() - dt.timedelta(seconds=settings.ILP["JOB_REQUEUE_SECONDS"] + 5)
        AnalysisJob.objects.filter(pk=queued_job.pk).update(created_at=old, enqueued_at=None)
        fresh = AnalysisJob.objects.create(kind="temporal", requested_by=queued_job.requested_by)
        assert core_jobs.sweep() == 1  # eager Celery: the task runs inside the sweep
        queued_job.refresh_from_db()
        fresh.refresh_from_db()
        assert queued_job.status == "succeeded" and queued_job.progress == 100
        assert fresh.status == "queued"  # too young to be taken for lost

    def test_the_sweep_restarts_a_job_whose_worker_died_and_it_finishes_once(
        self, queued_job, settings
    ):
        stale = timezone.now() - dt.timedelta(seconds=settings.ILP["JOB_STALE_SECONDS"] + 5)
        AnalysisJob.objects.filter(pk=queued_job.pk).update(
            status="running", progress=37, attempts=1, heartbeat_at=stale, enqueued_at=stale
        )
        assert core_jobs.sweep() == 1
        queued_job.refresh_from_db()
        assert queued_job.status == "succeeded" and queued_job.attempts == 2
        assert _job_runs(queued_job).count() == 1

    def test_progress_is_reported_from_the_stages_of_the_work(self, queued_job, monkeypatch):
        reported = []
        original = core_jobs.Progress.__call__

        def spy(self, percent, message=""):
            reported.append(int(percent))
            return original(self, percent, message)

        monkeypatch.setattr(core_jobs.Progress, "__call__", spy)
        run_analysis_job.apply(args=[queued_job.pk])
        assert len(set(reported)) >= 4
        assert reported == sorted(reported)
        queued_job.refresh_from_db()
        assert queued_job.progress == 100
