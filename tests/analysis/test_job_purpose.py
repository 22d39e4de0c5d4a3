"""A job requested under a justification that names a purpose is done for that purpose: the
worker's own events carry it (so oversight's "everything done for operation X" includes what the
job read), and the job's page names it to a reader who may see it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from analysis.services.jobs import execute_job, request_job
from audit.models import AuditEvent
from ilp_platform.core import context
from tests.operations.test_operations import _open

pytestmark = pytest.mark.django_db


def _job_under(world, purpose: str):
    """Requested under the purpose, then run outside that context, as a worker runs it."""
    with context.acting(user=world.analyst, justification="OP-TEST job", purpose=purpose):
        job = request_job(actor=world.analyst, kind="temporal", params={})
    assert context.current().purpose == ""
    execute_job(job.pk)
    job.refresh_from_db()
    return job


def test_the_workers_events_are_done_for_the_purpose_the_requester_named(
    world, job_incidents, login
):
    job_incidents(
        [{"lat": 51.45, "lon": -2.59, "at": datetime(2026, 3, d, 22, tzinfo=UTC)} for d in (2, 9)]
    )
    operation = _open(world, reference="OP-JOB")
    job = _job_under(world, f"operation:{operation.pk}")
    assert job.status == "succeeded", job.message
    assert job.purpose == f"operation:{operation.pk}"
    events = AuditEvent.objects.filter(object_type="analysis.analysisjob", object_id=str(job.pk))
    worker = events.filter(via="job")
    assert worker.exists(), list(events.values_list("action", "via"))
    assert {(e.purpose_type, e.purpose_id) for e in events} == {("operation", operation.pk)}

    page = login(world.analyst).get(reverse("analysis:job_detail", args=[job.pk]))
    assert "Done for" in page.content.decode() and "OP-JOB" in page.content.decode()


def test_a_job_without_a_named_purpose_carries_none(world, job_incidents):
    job_incidents([{"lat": 51.45, "lon": -2.59, "at": datetime(2026, 3, 2, 22, tzinfo=UTC)}])
    job = _job_under(world, "")
    assert job.status == "succeeded", job.message
    assert job.purpose == ""
    events = AuditEvent.objects.filter(object_type="analysis.analysisjob", object_id=str(job.pk))
    assert events.exists() and not events.exclude(purpose_type="").exists()


def test_an_exchange_package_keeps_the_purpose_it_was_requested_under(world):
    from exchange import services as exchange
    from tests.exchange.helpers import LEGAL_BASIS, make_partner, own_keys
    from tests.intelligence.helpers import make_report

    operation = _open(world, reference="OP-PKG")
    if exchange.current_key() is None:
        own_keys()
    general = world.general
    side = make_partner(
        world, name="Purpose partner", scheme="3x5x2", intake=general, sendable=[general]
    )
    report = make_report(world, world.general)
    with context.acting(
        user=world.analyst, justification="OP-PKG disclosure", purpose=f"operation:{operation.pk}"
    ):
        package = exchange.request_package(
            actor=world.analyst, partner=side.partner, reports=[report], legal_basis=LEGAL_BASIS
        )
    assert package.purpose == f"operation:{operation.pk}"
    assert package.justification == "OP-PKG disclosure"
