"""Background jobs as database rows, shared by analysis jobs and incident imports.

A job is a row (status, progress 0-100, message, parameters, result, timings); the Celery task
receives only the row's id. The helpers here make every job kind behave the same way:

- :func:`enqueue` sends the task after the surrounding transaction commits;
- :func:`execute` claims the row, runs the work under the requester's audit context, stores
  the result once, and turns errors into a ``failed`` row with a message a person can act on;
- transient errors (database or broker connection) put the row back to ``queued`` and retry
  with backoff; a worker killed mid-job leaves the row ``running`` and the message is
  re-delivered (``acks_late`` + ``reject_on_worker_lost``), so the next delivery starts again;
- :func:`sweep` re-enqueues rows left ``queued`` (the broker was down when they were created)
  and rows ``running`` with no heartbeat for longer than the stale limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ilp_platform.core import context

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


def requested_under() -> dict[str, str]:
    """The requester's justification and the purpose it names, for a new job row: the worker
    acts under both (``execute``)."""
    current = context.current()
    return {
        "justification": (current.justification or "")[:500],
        "purpose": (current.purpose or "")[:40],
    }


class JobError(Exception):
    """A failure the requester can act on; its text is shown on the job page as it is."""


class BackgroundJob(models.Model):
    """Abstract row for one unit of background work."""

    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.CharField(_("justification"), max_length=500, blank=True)
    # The purpose the requester's justification named ("operation:12"), carried into the
    # worker so the job's own events are done for it too.
    purpose = models.CharField(_("done for"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    run_token = models.CharField(max_length=32, blank=True, editable=False)

    # Declared for the type checker only (an abstract model has no manager of its own): every
    # job model defines ``objects``, which the helpers here use through ``type(job)``.
    objects: ClassVar[models.Manager[BackgroundJob]]

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Progress:
    """Progress reporter handed to the work function; writes with UPDATE, never save().

    At most one write per :attr:`interval` seconds (the first always): each is a commit of its
    own, about as costly as a small query, and a page polling every few seconds sees no more.
    A call inside the interval is dropped; the next one after it writes the latest figures, and
    the job's end writes 100."""

    interval = 0.5

    def __init__(self, job: BackgroundJob):
        self.job = job
        self._last = -1
        self._written_at: float | None = None

    def __call__(self, percent: float, message: str = "") -> None:
        pct = max(0, min(99, int(percent)))
        if pct == self._last and not message:
            return
        now = time.monotonic()
        if self._written_at is not None and now - self._written_at < self.interval:
            return
        self._written_at = now
        self._last = pct
        fields: dict[str, Any] = {"progress": pct, "heartbeat_at": timezone.now()}
        if message:
            fields["message"] = message[:1000]
        updated = (
            type(self.job)
            .objects.filter(pk=self.job.pk, run_token=self.job.run_token)
            .update(**fields)
        )
        if not updated:
            # Another delivery took the job over; stop this one quietly.
            raise Superseded()


class Superseded(Exception):
    """This delivery no longer owns the job row (a newer delivery claimed it)."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:  # the broker client is optional on the embedded default
    from kombu.exceptions import OperationalError as KombuOperationalError

    TRANSIENT_ERRORS += (KombuOperationalError,)
except ImportError:  # pragma: no cover
    pass
try:
    from redis.exceptions import ConnectionError as RedisConnectionError

    TRANSIENT_ERRORS += (RedisConnectionError,)
except ImportError:  # pragma: no cover
    pass


def enqueue(job: BackgroundJob) -> None:
    """Send the job's task (:func:`register`) with ``job.pk`` once the current transaction
    commits.

    If the broker is unreachable the row simply stays ``queued``; :func:`sweep` sends it again.
    """
    pk = job.pk
    model = type(job)
    task = task_for(model)

    def send() -> None:
        try:
            model.objects.filter(pk=pk).update(enqueued_at=timezone.now())
            task.delay(pk)
        except TRANSIENT_ERRORS as exc:
            logger.warning("job %s %s left queued, broker unavailable: %s", model.__name__, pk, exc)
        except Exception as exc:  # a broker outage must never fail the user's request
            logger.warning("job %s %s left queued: %s", model.__name__, pk, exc)

    transaction.on_commit(send)


J = TypeVar("J", bound="BackgroundJob")


def claim(model: type[J], pk: int) -> J | None:
    """Take the row for this delivery; ``None`` when it is finished or does not exist."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=pk).first()
        if job is None or job.status in FINISHED:
            return None
        job.status = JobStatus.RUNNING
        job.run_token = token
        job.attempts += 1
        job.started_at = now
        job.heartbeat_at = now
        job.progress = 0
        job.message = ""
        model.objects.filter(pk=pk).update(
            status=job.status,
            run_token=token,
            attempts=job.attempts,
            started_at=now,
            heartbeat_at=now,
            progress=0,
            message="",
        )
    return job


def _finish(job: BackgroundJob, **fields: Any) -> bool:
    """Store the outcome only if this delivery still owns the row: a job finishes once."""
    fields.setdefault("finished_at", timezone.now())
    return bool(
        type(job)
        .objects.filter(pk=job.pk, run_token=job.run_token, status=JobStatus.RUNNING)
        .update(**fields)
    )


def execute(
    model: type[J],
    pk: int,
    work: Callable[[J, Progress], Any],
    *,
    on_success: Callable[[J, Any], None] | None = None,
    on_failure: Callable[[J, str], None] | None = None,
) -> str:
    """Run ``work(job, progress)`` for row ``pk`` and store its result; returns the end status.

    ``work`` returns the JSON-serialisable result. ``on_success`` runs in the same transaction
    as the result is stored (write the audit event there); ``on_failure`` likewise for failures.
    Transient errors propagate after the row goes back to ``queued``, for the task to retry.
    """
    job = claim(model, pk)
    if job is None:
        return "skipped"
    # The job's messages and result in the language of the person who asked for it.
    language = getattr(job.requested_by, "language", "") or settings.LANGUAGE_CODE
    with (
        translation.override(language),
        context.acting(
            user=job.requested_by,
            justification=job.justification,
            purpose=job.purpose,
            via="job",
            request_id=uuid.uuid4().hex,
        ),
    ):
        try:
            result = work(job, Progress(job))
        except Superseded:
            return "superseded"
        except JobError as exc:
            message = str(exc)
            with transaction.atomic():
                if _finish(job, status=JobStatus.FAILED, message=message) and on_failure:
                    on_failure(job, message)
            return JobStatus.FAILED
        except TRANSIENT_ERRORS:
            model.objects.filter(pk=pk, run_token=job.run_token).update(status=JobStatus.QUEUED)
            raise
        except Exception:
            logger.exception("job %s %s failed", model.__name__, pk)
            message = str(
                _(
                    "The job stopped on an unexpected error. Nothing was stored. Try again; "
                    "if it fails again, give the administrator this reference: %(ref)s."
                )
                % {"ref": f"{model.__name__.lower()}-{pk}-{job.attempts}"}
            )
            with transaction.atomic():
                if _finish(job, status=JobStatus.FAILED, message=message) and on_failure:
                    on_failure(job, message)
            return JobStatus.FAILED
        job.result = result
        with transaction.atomic():
            if not _finish(
                job, status=JobStatus.SUCCEEDED, progress=100, result=result, message=""
            ):
                return "superseded"
            job.status = JobStatus.SUCCEEDED
            if on_success:
                on_success(job, result)
        return JobStatus.SUCCEEDED


# Job kinds register here so one periodic sweep covers them all.
_REGISTRY: list[tuple[type[BackgroundJob], Any]] = []


def register(model: type[BackgroundJob], task: Any) -> None:
    """``task`` runs the jobs of ``model``: :func:`enqueue` sends it, :func:`sweep` sends it
    again for rows left behind. Each app registers its job models when it is ready, so the
    services that create jobs never import the tasks that run them."""
    if (model, task) not in _REGISTRY:
        _REGISTRY.append((model, task))


def task_for(model: type[BackgroundJob]) -> Any:
    for registered, task in _REGISTRY:
        if registered is model:
            return task
    raise LookupError(f"no task is registered for {model.__name__} jobs")


def sweep(
    *, queued_after: dt.timedelta | None = None, stale_after: dt.timedelta | None = None
) -> int:
    """Re-enqueue rows a broker outage or a dead worker left behind; returns how many."""
    cfg = settings.ILP
    queued_after = queued_after or dt.timedelta(seconds=cfg["JOB_REQUEUE_SECONDS"])
    stale_after = stale_after or dt.timedelta(seconds=cfg["JOB_STALE_SECONDS"])
    now = timezone.now()
    sent = 0
    for model, task in _REGISTRY:
        queued = model.objects.filter(status=JobStatus.QUEUED).filter(
            models.Q(enqueued_at__isnull=True, created_at__lt=now - queued_after)
            | models.Q(enqueued_at__lt=now - queued_after)
        )
        stale = model.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after)
        for pk in list(queued.values_list("pk", flat=True)[:500]) + list(
            stale.values_list("pk", flat=True)[:500]
        ):
            try:
                model.objects.filter(pk=pk).update(enqueued_at=now)
                task.delay(pk)
                sent += 1
            except TRANSIENT_ERRORS + (DatabaseError,) as exc:
                logger.warning("sweep could not re-enqueue %s %s: %s", model.__name__, pk, exc)
                break
    return sent


# Options every job task shares: late acknowledgement so a killed worker's message is delivered
# again, one message at a time, and retries with backoff on transient errors.
TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "ignore_result": True,
}
