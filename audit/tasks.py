from celery import shared_task
from celery.signals import worker_ready

from audit import anomalies, integrity


@shared_task(acks_late=True)
def verify_audit_chain() -> dict:
    """Scheduled walk of the hash chain; the result is stored for the console and the API."""
    result, check = integrity.run_verification()
    return {"ok": result.ok, "events_checked": result.events_checked, "check_id": check.pk}


@shared_task(acks_late=True)
def detect_anomalies() -> int:
    """Scheduled (and "Run now") anomaly check; the run is recorded in the log."""
    return anomalies.run(days=1)["raised"]


@worker_ready.connect
def verify_a_fresh_installation(sender=None, **kwargs) -> bool:
    """A fresh installation has no verification result yet: the first worker to start sends
    one, so the console and ``GET /api/v1/audit/verify/`` soon show a real result. Returns
    whether one was sent."""
    from audit.models import IntegrityCheck

    if IntegrityCheck.objects.exists():
        return False
    verify_audit_chain.delay()
    return True
