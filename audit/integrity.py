"""Running chain verification and log retention, shared by commands and scheduled tasks.

Every verification (``manage.py verify_audit``, the scheduled task, the console's "verify
now") walks the chain, checks the log against the latest checkpoint outside the database and
appends a new one (:mod:`audit.checkpoints`), then stores its result twice: as a signed
:class:`~audit.models.IntegrityCheck` row and as an audit event in the chain. A row is shown
as intact only when its signature and its event both match (:func:`attach_verification`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from audit import checkpoints, services
from audit.chain import VerificationResult, lock_chain
from audit.choices import Action, Outcome
from audit.models import AuditAnchor, AuditEvent, IntegrityCheck
from audit.verification import verify_chain

CHECK_SIGNATURE_SALT = "ilp.audit.IntegrityCheck"
CHECK_OBJECT_TYPE = "audit.integritycheck"


def sign(check: IntegrityCheck, secret: str | None = None) -> str:
    return salted_hmac(
        CHECK_SIGNATURE_SALT, check.signed_content(), secret=secret, algorithm="sha256"
    ).hexdigest()


def signature_valid(check: IntegrityCheck) -> bool:
    """The row's signature matches its fields under the secret key (or a fallback key)."""
    if not check.signature:
        return False
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(sign(check, key), check.signature) for key in keys)


def attach_verification(checks: Iterable[IntegrityCheck]) -> list[IntegrityCheck]:
    """Set ``verified`` on each row: signed correctly, and its result is in the audit log.

    One query for the events, however many rows.
    """
    checks = list(checks)
    if not checks:
        return checks
    events = AuditEvent.objects.filter(
        object_type=CHECK_OBJECT_TYPE,
        object_id__in=[str(check.pk) for check in checks],
        action=Action.JOB_RUN,
    ).values_list("object_id", "details")
    logged: dict[str, set[str]] = {}
    for object_id, details in events:
        if isinstance(details, dict) and details.get("signature"):
            logged.setdefault(object_id, set()).add(str(details["signature"]))
    for check in checks:
        check.verified = signature_valid(check) and check.signature in logged.get(
            str(check.pk), set()
        )
    return checks


def latest_check() -> IntegrityCheck | None:
    """The newest stored result, with ``verified`` set."""
    latest = IntegrityCheck.objects.order_by("-started_at", "-id").first()
    return attach_verification([latest])[0] if latest else None


def run_verification(progress=None) -> tuple[VerificationResult, IntegrityCheck]:
    started = timezone.now()
    result = verify_chain(progress=progress)
    checkpoint = None
    if result.ok:
        result, checkpoint = checkpoints.check_and_append(result)
    if not result.ok:
        checkpoints.forward_failure(result)
    with transaction.atomic():
        check = IntegrityCheck(
            started_at=started,
            finished_at=timezone.now(),
            events_checked=result.events_checked,
            ok=result.ok,
            first_bad_event_id=result.first_bad_event_id,
            message=result.message,
        )
        check.signature = sign(check)
        check.save()
        # The result enters the hash chain too: a row inserted by hand has no such event.
        services.record(
            Action.JOB_RUN,
            object_type=CHECK_OBJECT_TYPE,
            object_id=check.pk,
            object_repr="chain verification",
            outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
            details={
                "ok": result.ok,
                "events_checked": result.events_checked,
                "first_bad_event_id": result.first_bad_event_id,
                "message": result.message,
                "signature": check.signature,
                "checkpoint": (
                    {
                        "seq": checkpoint.seq,
                        "event_id": checkpoint.event_id,
                        "line_hash": checkpoints.line_hash(checkpoint.line()),
                    }
                    if checkpoint
                    else None
                ),
            },
        )
    check.verified = True
    return result, check


def purge_expired(*, now=None, retention_days: int | None = None) -> AuditAnchor | None:
    """Remove events older than the retention period as one whole segment.

    The segment's final hash becomes the new anchor, so verification still passes from the
    first kept event; the removal itself is recorded as an event. Returns the anchor, or None
    when nothing was old enough.
    """
    now = now or timezone.now()
    days = retention_days or settings.ILP["AUDIT_RETENTION_DAYS"]
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        lock_chain()
        last = (
            AuditEvent.objects.filter(occurred_at__lt=cutoff)
            .order_by("-id")
            .values_list("id", "hash")
            .first()
        )
        if last is None:
            return None
        last_id, last_hash = last
        count = AuditEvent.objects.filter(id__lte=last_id).count()
        anchor = AuditAnchor.objects.create(
            last_event_id=last_id, last_hash=last_hash, removed_count=count, removed_before=cutoff
        )
        # The triggers allow DELETE only of events an anchor covers.
        AuditEvent.objects.filter(id__lte=last_id)._raw_delete(AuditEvent.objects.db)
        services.record(
            Action.RETENTION,
            object_type="audit.auditanchor",
            object_id=anchor.pk,
            object_repr=f"segment up to event {last_id}",
            details={
                "removed_events": count,
                "last_removed_event": last_id,
                "anchor_hash": last_hash,
                "older_than": cutoff,
                "retention_days": days,
            },
        )
    return anchor
