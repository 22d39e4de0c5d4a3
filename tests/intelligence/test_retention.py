"""Review and retention: retain with a reason, erase to a tombstone, the erase event."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from intelligence.models import Grading, Report, ReportEntity, RetentionClass
from intelligence.services.entities import link_entity_to_report
from intelligence.services.reviews import review_report
from tests.intelligence.helpers import as_user, make_entity, make_report

pytestmark = pytest.mark.django_db


def test_default_retention_classes_follow_mopi_groups():
    periods = dict(RetentionClass.objects.values_list("code", "review_period_months"))
    assert periods == {"mopi-1": 120, "mopi-2": 120, "mopi-3": 72}
    assert RetentionClass.objects.get(is_default=True).code == "mopi-3"


def test_an_evaluated_report_is_due_for_review_after_its_class_period(world):
    report = make_report(world)
    assert report.review_due == report.evaluated_at.date().replace(
        year=report.evaluated_at.year + 6
    )


def test_erasure_removes_content_and_keeps_a_tombstone(world, login):
    report = make_report(world, text="Original secret", sanitised="Sanitised words")
    person = make_entity(world, name="Erased Person")
    with as_user(world.analyst):
        link_entity_to_report(report, person, actor=world.analyst, subject_category="suspect")
    client = login(world.manager)
    response = client.post(
        reverse("intelligence:report_review", args=[report.pk]),
        {"decision": "erase", "reason": "No longer necessary for a policing purpose"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "erased"
    assert report.text == "" and report.sanitised_text == "" and report.search_document == ""
    assert report.latitude is None and report.place_name == ""
    assert not ReportEntity.objects.filter(report=report).exists()
    assert set(Grading.objects.filter(report=report).values_list("reason", flat=True)) == {""}
    # the tombstone: URN, dates, who and why
    assert report.urn.startswith("IR-") and report.submitted_at and report.erased_at
    assert report.erased_by == world.manager
    assert report.erasure_reason == "No longer necessary for a policing purpose"
    event = AuditEvent.objects.get(action="erase", object_id=str(report.pk))
    assert event.details["reason"] == "No longer necessary for a policing purpose"
    assert event.compartment == "general"
    assert "Original secret" not in str(event.details)
    body = client.get(report.get_absolute_url()).content.decode()
    assert "Erased" in body and "Sanitised words" not in body


def test_a_retain_decision_needs_a_reason_and_a_future_date(world, login):
    report = make_report(world)
    client = login(world.manager)
    url = reverse("intelligence:report_review", args=[report.pk])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url, {"decision": "retain", "reason": "Still active", "next_review_due": yesterday}
    )
    assert "next_review_due" in response.context["form"].errors
    next_date = timezone.localdate() + timedelta(days=365)
    response = client.post(
        url,
        {"decision": "retain", "reason": "Still active", "next_review_due": next_date.isoformat()},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_due == next_date
    review = report.reviews.get()
    assert (review.decision, review.reason, review.reviewed_by) == (
        "retain",
        "Still active",
        world.manager,
    )


def test_an_erased_report_is_no_longer_found_by_search(world, login):
    report = make_report(world, sanitised="Trombone stolen from a van.")
    with as_user(world.manager):
        review_report(report, actor=world.manager, decision="erase", reason="Expired")
    response = login(world.analyst).get(reverse("intelligence:search"), {"q": "trombone"})
    assert response.context["page"].total == 0
    assert Report.objects.get(pk=report.pk).status == "erased"
