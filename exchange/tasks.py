"""Celery task of the exchange app: one task builds any exchange package by its row id."""

from __future__ import annotations

from celery import shared_task

from exchange.models import ExchangePackage
from ilp_platform.core import jobs


@shared_task(name="exchange.build_package", **jobs.TASK_OPTIONS)
def build_package(self, job_id: int) -> str:
    """Build package ``job_id``: claims the row, finishes it once, retries transient errors."""
    from exchange import services

    return jobs.execute(
        ExchangePackage,
        job_id,
        services.build_package,
        on_success=services.package_built,
        on_failure=services.package_failed,
    )


# The periodic sweep re-enqueues packages left queued by a broker outage.
jobs.register(ExchangePackage, build_package)
