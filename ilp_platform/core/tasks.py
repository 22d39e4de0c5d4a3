from celery import shared_task

from ilp_platform.core import jobs


@shared_task(acks_late=True, ignore_result=True)
def sweep_jobs() -> int:
    """Periodic: send again the job rows that a broker outage or a dead worker left behind."""
    return jobs.sweep()
