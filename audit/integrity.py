"""Running chain verification and log retention, shared by commands and scheduled tasks."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import services
from audit.chain import VerificationResult, lock_chain, verify_chain
from audit.choices import Action
from audit.models import AuditAnchor, AuditEvent, IntegrityCheck


def run_verification(progress=None) -> tuple[VerificationResult, IntegrityCheck]:
    started = timezone.now()
    result = verify_chain(progress=progress)
    check = IntegrityCheck.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        events_checked=result.events_checked,
        ok=result.ok,
        first_bad_event_id=result.first_bad_event_id,
        message=result.message,
    )
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
