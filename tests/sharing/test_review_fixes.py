"""Review findings: the share message names no received reference, and the aggregate figures
take whole months only (a period bounded by any day could single out one record by
differencing two queries)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.choices import Action
from audit.models import AuditEvent
from sharing import periods
from sharing.models import Share
from tests.intelligence.helpers import make_report
from tests.sharing.helpers import build_levels
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world):
    return build_levels(world)


def test_the_share_message_names_the_unit_not_the_report_received_there(world, levels, login):
    report = make_report(world)
    answer = login(world.analyst).post(
        reverse("sharing:share_report", args=[report.pk]),
        {
            "to_unit": levels.north.pk,
            "risk_to_source": "low",
            "risk_to_operation": "none",
            "risk_to_person": "none",
            "legal_basis": "DPA 2018 s.35",
        },
        follow=True,
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and levels.north.name in html
    assert Share.objects.get().received_report.urn not in html


def test_aggregate_periods_are_whole_months_and_other_days_are_refused(levels, login):
    """since=D and since=D+1 would differ by one day's records: only month starts are taken."""
    client = api_client(levels.national_analyst)
    for field, value in (("since", "2026-03-02"), ("until", "2026-05-15")):
        refused = client.get("/api/v1/aggregates/", {field: value})
        assert refused.status_code == 400 and "first day of a month" in refused.json()[field][0]
    page = login(levels.national_analyst).get(
        reverse("sharing:aggregates"), {"since": "2026-03-02"}
    )
    assert "first day of a month" in page.content.decode() and page.context["figures"] is None
    assert not AuditEvent.objects.filter(action=Action.SEARCH, object_type="sharing.aggregate")

    whole = client.get("/api/v1/aggregates/", {"since": "2026-03-01", "until": "2026-05-01"})
    assert whole.status_code == 200
    assert (whole.json()["since"], whole.json()["until"]) == ("2026-03-01", "2026-05-01")
    default = client.get("/api/v1/aggregates/").json()
    assert default["since"].endswith("-01") and default["until"].endswith("-01")
    # Twelve whole months back and the current month, across a leap year.
    assert periods.default_period(date(2024, 3, 15)) == (date(2023, 3, 1), date(2024, 4, 1))
    assert periods.default_period(date(2026, 12, 31)) == (date(2025, 12, 1), date(2027, 1, 1))
