"""Scheduled authentication housekeeping (the lockout e-mail is ``accounts.notices``)."""

from __future__ import annotations

from celery import shared_task

from ilp_platform.accounts import services
from ilp_platform.core import context


@shared_task(acks_late=True)
def expire_authentication_holds() -> dict:
    """Record the end of every cool-off and the expiry of every enrolment code that is due.

    Idempotent: each row is ended once, under a row lock, whoever gets there first (this
    sweep or the next login attempt from the pair).
    """
    with context.acting(via="job"):
        return {
            "lockouts_ended": services.end_due_lockouts(),
            "enrolment_codes_expired": services.expire_due_enrolment_codes(),
        }
