"""The import use cases: receive a file, start its job, run the job, expire old files.

Audit: the upload is the CREATE of the ImportJob; the load is one CREATE event on incidents
with the counts (inside the load's transaction, so the rows and their record stand or fall
together); a refused or failed job writes one JOB_RUN event with outcome ``failure``. The load
runs inside ``service_scope()``: no per-row safety-net events.
"""

from __future__ import annotations

import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action, Outcome
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import jobs
from ilp_platform.core.jobs import JobError, JobStatus
from intelligence.imports import files, loaders, mapping, validation
from intelligence.imports.choices import Encoding, ImportMode
from intelligence.models import ImportJob

logger = logging.getLogger(__name__)

ADD = "intelligence.add_importjob"
# Progress bands: reading and checking take the first third, the load the rest.
_READ, _CHECK, _LOAD, _LOADED = 2, 15, 35, 97


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("Your role does not allow this action."))


def receive_upload(*, actor, upload, file_name: str, size: int | None, encoding: str = "utf-8"):
    """Check and store an uploaded file; ``ValidationError`` on ``file`` when it is refused."""
    _require(actor, ADD)
    return files.receive(upload, file_name=file_name, size=size, encoding=encoding or Encoding.UTF8)


@action(ADD)
def start_import(
    *,
    actor,
    stored: files.StoredFile,
    compartment: Compartment | None,
    mode: str = ImportMode.INSERT,
    given_mapping: dict | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Create the job for a stored file and send it to a worker after commit.

    Raises ``ValidationError`` naming ``compartment``, ``mode`` or ``mapping``; the stored file
    is left for the caller to keep (a mapping form shown again) or delete.
    """
    errors: dict[str, list[str]] = {}
    if (
        compartment is None
        or not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists()
    ):
        errors["compartment"] = [_("Choose a compartment you hold.")]
    if mode not in ImportMode.values:
        errors["mode"] = [_("Choose insert or update.")]
    try:
        chosen, source = mapping.resolve(stored.columns, given_mapping)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        chosen, source = {}, ""
    if errors or compartment is None:
        raise ValidationError(errors)

    job = ImportJob.objects.create(
        requested_by=actor,
        **jobs.requested_under(),
        compartment=compartment,
        mode=mode,
        file_name=stored.file_name,
        file_size=stored.file_size,
        file_format=stored.file_format,
        file_sha256=stored.file_sha256,
        encoding=stored.encoding,
        stored_name=stored.stored_name,
        delimiter=stored.delimiter,
        columns=stored.columns,
        layout_hash=mapping.layout_hash(stored.columns),
        mapping=chosen,
        mapping_source=source,
        params={"mode": mode, "mapping": chosen},
    )
    if source == mapping.GIVEN:
        mapping.remember(stored.columns, chosen, actor)
    elif source == mapping.REMEMBERED:
        mapping.used(stored.columns)
    audit.record(
        Action.CREATE,
        obj=job,
        details={
            "file_name": job.file_name,
            "file_size": job.file_size,
            "file_format": job.file_format,
            "file_sha256": job.file_sha256,
            "mode": mode,
            "mapping": chosen,
            "mapping_from": source,
        },
    )
    if enqueue:
        jobs.enqueue(job)
    return job


def import_file(
    *,
    actor,
    upload,
    file_name: str,
    size: int | None,
    compartment,
    mode: str = ImportMode.INSERT,
    given_mapping: dict | None = None,
    encoding: str = Encoding.UTF8,
    enqueue: bool = True,
) -> ImportJob:
    """Receive and start in one step (API, command); nothing is kept when refused."""
    stored = receive_upload(
        actor=actor, upload=upload, file_name=file_name, size=size, encoding=encoding
    )
    try:
        return start_import(
            actor=actor,
            stored=stored,
            compartment=compartment,
            mode=mode,
            given_mapping=given_mapping,
            enqueue=enqueue,
        )
    except BaseException:
        stored.delete()
        raise


# --- The job ------------------------------------------------------------------------------------


class _SideProgress:
    """Progress written through a second connection while the load's transaction is open, so
    the page polling the job sees it (PostgreSQL). Elsewhere the bar moves again after commit."""

    def __init__(self, job: ImportJob, low: int, high: int):
        self.job, self.low, self.high, self.last = job, low, high, -1
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, fraction: float) -> None:
        percent = int(self.low + (self.high - self.low) * min(1.0, fraction))
        if self.side is None or percent == self.last:
            return
        self.last = percent
        with self.side.cursor() as cursor:
            cursor.execute(
                "UPDATE intelligence_importjob SET progress = %s, heartbeat_at = %s "
                "WHERE id = %s AND run_token = %s",
                [percent, timezone.now(), self.job.pk, self.job.run_token],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _store(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk, run_token=job.run_token).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _count(n: int) -> str:
    """A count with the language's thousand separator (12,345; 12 345; 12.345)."""
    return number_format(n, force_grouping=True)


def _refusal_message(outcome: validation.Outcome) -> str:
    first = outcome.errors[0] if outcome.errors else None
    message = _(
        "%(refused)s of %(total)s rows refused; nothing was loaded. Correct the file and "
        "upload it again."
    ) % {"refused": _count(outcome.refused), "total": _count(outcome.total)}
    if first:
        message += " " + _("First: line %(line)s, %(field)s: %(reason)s.") % first
    for hint in outcome.hints:
        message += " " + hint
    return message


def _result(job: ImportJob) -> dict:
    return (job.result or {}) | {
        "rows": job.rows_total,
        "inserted": job.rows_inserted,
        "updated": job.rows_updated,
    }


def _work(job: ImportJob, progress) -> dict:
    if job.loaded_at:
        return _result(job)  # a second delivery after a committed load: nothing to do
    started = time.monotonic()
    gone = JobError(_("The uploaded file is no longer kept (it expired). Upload it again."))
    try:
        if not files.storage().exists(files.storage_name(job.stored_name)):
            raise gone
    except ValueError:
        raise gone from None
    user = job.requested_by
    visible = set(Compartment.objects.visible_to(user).values_list("pk", flat=True))
    if job.compartment_id not in visible:
        raise JobError(_("You no longer hold the compartment chosen for this import."))

    progress(_READ, _("Reading the file"))
    # The upload is in the shared storage (this worker may be on another host than the web
    # process that stored it): read from a temporary copy on this worker's own disk.
    try:
        with files.local_copy(job.stored_name) as path:
            frame = validation.read(path, mapping=job.mapping, delimiter=job.delimiter)
    except FileNotFoundError:
        raise gone from None
    except validation.FileUnreadable as exc:
        raise JobError(str(exc)) from None
    if not len(frame):
        raise JobError(_("The file has no rows to import."))
    progress(_CHECK, _("Checking %(rows)s rows") % {"rows": _count(len(frame))})
    outcome = validation.validate(frame, mode=job.mode, compartment_id=job.compartment_id)
    _store(
        job,
        rows_total=outcome.total,
        rows_refused=outcome.refused,
        error_report=outcome.errors,
        error_counts=outcome.counts,
    )
    if not outcome.ok:
        raise JobError(_refusal_message(outcome))
    checked = time.monotonic()

    progress(_LOAD, _("Loading %(rows)s incidents") % {"rows": _count(outcome.total)})
    side = _SideProgress(job, _LOAD, _LOADED)
    try:
        with transaction.atomic(), audit.service_scope():
            loaded = loaders.load(
                outcome.frame,
                compartment_id=job.compartment_id,
                mode=job.mode,
                existing=outcome.existing,
                report=side,
            )
            seconds = time.monotonic() - started
            result = {
                "rows": outcome.total,
                "inserted": loaded.inserted,
                "updated": loaded.updated,
                "method": loaded.method,
                "seconds": round(seconds, 3),
                "check_seconds": round(checked - started, 3),
                "rows_per_second": round(outcome.total / seconds) if seconds else None,
            }
            _store(
                job,
                rows_inserted=loaded.inserted,
                rows_updated=loaded.updated,
                loaded_at=timezone.now(),
                result=result,
            )
            audit.record(
                Action.CREATE,
                object_type="intelligence.incident",
                object_repr=_("%(rows)s incidents imported from %(file)s")
                % {"rows": _count(outcome.total), "file": job.file_name},
                compartment=job.compartment.slug,
                details={
                    "import_job": job.pk,
                    "rows": outcome.total,
                    "inserted": loaded.inserted,
                    "updated": loaded.updated,
                    "mode": job.mode,
                    "method": loaded.method,
                    "file_name": job.file_name,
                    "file_sha256": job.file_sha256,
                },
            )
    except IntegrityError as exc:
        logger.warning("import %s: load refused by the database: %s", job.pk, exc)
        raise JobError(
            _(
                "While this file was loading, incidents with some of its references were "
                "recorded elsewhere; nothing was loaded. Run the import again to see which."
            )
        ) from None
    except loaders.ReferencesChanged:
        raise JobError(
            _(
                "Incidents with some of these references changed while this file was "
                "loading; nothing was loaded. Run the import again."
            )
        ) from None
    finally:
        side.close()
    _discard_file(job)
    return result


def _discard_file(job: ImportJob) -> None:
    files.delete_stored(job.stored_name)
    ImportJob.objects.filter(pk=job.pk).update(stored_name="", file_deleted_at=timezone.now())


def _failed(job: ImportJob, message: str) -> None:
    job.refresh_from_db(fields=["rows_total", "rows_refused", "error_counts"])
    audit.record(
        Action.JOB_RUN,
        obj=job,
        outcome=Outcome.FAILURE,
        details={
            "message": message,
            "rows": job.rows_total,
            "refused": job.rows_refused,
            "errors_by_reason": job.error_counts,
        },
    )


def run_import(job_id: int) -> str:
    """Validate and load import ``job_id`` (the Celery task's body); returns the end status."""
    return jobs.execute(ImportJob, job_id, _work, on_failure=_failed)


# --- Housekeeping -------------------------------------------------------------------------------


def expire_files(hours: int | None = None) -> int:
    """Delete stored files of imports that ended without loading, and uploads never started,
    once older than ``ILP["IMPORT_FILE_HOURS"]``; returns how many were deleted."""
    from django.conf import settings

    hours = hours or settings.ILP["IMPORT_FILE_HOURS"]
    pending = set(
        ImportJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .exclude(stored_name="")
        .values_list("stored_name", flat=True)
    )
    names = files.expired_files(hours, keep=pending)
    for name in names:
        files.delete_stored(name)
    if names:
        ImportJob.objects.filter(stored_name__in=names).update(
            stored_name="", file_deleted_at=timezone.now()
        )
    return len(names)
