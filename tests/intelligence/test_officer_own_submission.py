"""An officer reads their own report back without stating a justification: their own
submission is its own purpose, logged as such (``OWN_SUBMISSION``); nobody else's report, and
nothing outside their reach, opens that way."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.core.justification import OWN_SUBMISSION
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def _views(report):
    return AuditEvent.objects.filter(
        action="view", object_type="intelligence.report", object_id=str(report.pk)
    )


def test_after_submitting_the_officer_opens_the_report_with_no_justification(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"),
        {
            "compartment": world.general.pk,
            "text": "Blue van seen at 14 Mill Lane late at night.",
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:2",
            "intelligence_assessment": "3x5x2:B",
            "handling_code": "3x5x2:P",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Blue van seen at 14 Mill Lane" in page.content.decode()
    from intelligence.models import Report

    report = Report.objects.get()
    event = _views(report).get()
    assert event.justification == OWN_SUBMISSION
    assert event.actor == world.officer


def test_a_justification_the_author_stated_is_logged_in_its_place(world, login):
    report = make_report(world)  # submitted by world.officer
    client = login(world.officer, justification="OP-X")
    assert client.get(report.get_absolute_url()).status_code == 200
    assert _views(report).latest("id").justification == "OP-X"


def test_someone_elses_report_still_needs_a_justification(world, login):
    report = make_report(world, submitter=world.analyst2)
    client = login(world.officer, justification="")
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302 and reverse("core:justification") in response.url
    assert not _views(report).exists()
    client = login(world.analyst, justification="")
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302 and reverse("core:justification") in response.url


def test_an_own_report_moved_out_of_reach_is_a_404_not_a_free_pass(world, login):
    report = make_report(world, world.general)
    report.compartment = world.restricted  # the evaluator moved it to a compartment
    report.save(update_fields=["compartment"])  # the officer does not hold
    client = login(world.officer, justification="")
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302 and reverse("core:justification") in response.url
    client = login(world.officer, justification="OP-X")
    assert client.get(report.get_absolute_url()).status_code == 404
    assert not _views(report).exists()
