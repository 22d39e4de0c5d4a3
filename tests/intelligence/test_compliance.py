"""Oversight sees review-compliance figures without reading any report."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intelligence.models import Report
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def test_integrity_page_counts_reports_overdue_for_review(client, world):
    on_time = make_report(world)
    late = make_report(world, world.restricted)
    Report.objects.filter(pk=late.pk).update(review_due=timezone.localdate() - timedelta(days=3))
    Report.objects.filter(pk=on_time.pk).update(
        review_due=timezone.localdate() + timedelta(days=400)
    )
    client.force_login(world.oversight)
    response = client.get(reverse("audit:integrity"))
    figures = {str(label): value for label, value, _ in response.context["compliance"]}
    assert figures["Evaluated reports under review control"] == 2
    assert figures["Reports overdue for review"] == "1 (50.0%)"
    body = response.content.decode()
    assert late.urn not in body and "Alan Smith" not in body
