"""The evaluation queue: oldest submission first, how long each has waited, and which are past
the evaluation target; paged by (submission time, id) so equal times never skip a report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ilp_platform.core.paging import keyset_page_by
from intelligence.models import Report
from intelligence.views import EvaluationQueueView
from tests.intelligence.helpers import make_report

QUEUE = "intelligence:evaluation_queue"


def _submitted(report: Report, hours_ago: float) -> Report:
    when = timezone.now() - timedelta(hours=hours_ago)
    Report.objects.filter(pk=report.pk).update(submitted_at=when)
    return report


def _shown(response) -> list[int]:
    return [report.pk for report in response.context["page"].items]


def test_the_report_submitted_first_comes_first_whatever_its_id(world, login):
    newest = _submitted(make_report(world, evaluate=False), hours_ago=1)
    oldest = _submitted(make_report(world, evaluate=False), hours_ago=50)
    middle = _submitted(make_report(world, evaluate=False), hours_ago=10)
    response = login(world.analyst2).get(reverse(QUEUE))
    assert _shown(response) == [oldest.pk, middle.pk, newest.pk]
    page = response.content.decode()
    assert page.index(oldest.urn) < page.index(middle.urn) < page.index(newest.urn)
    assert "Waiting" in page


def test_reports_past_the_target_are_marked_overdue_and_counted(world, login, settings):
    settings.ILP = {**settings.ILP, "EVALUATION_TARGET_HOURS": 72}
    late = _submitted(make_report(world, evaluate=False), hours_ago=100)
    on_time = _submitted(make_report(world, evaluate=False), hours_ago=5)
    response = login(world.analyst2).get(reverse(QUEUE))
    assert response.context["overdue_count"] == 1
    rows = {
        urn: row
        for row in response.content.decode().split("<tr>")[2:]
        for urn in (late.urn, on_time.urn)
        if urn in row
    }
    assert "Overdue" in rows[late.urn] and "Overdue" not in rows[on_time.urn]
    assert "72 hours" in response.content.decode()

    settings.ILP = {**settings.ILP, "EVALUATION_TARGET_HOURS": 200}
    response = login(world.analyst2).get(reverse(QUEUE))
    assert response.context["overdue_count"] == 0
    assert "badge text-bg-warning" not in response.content.decode()


def test_pages_of_equal_submission_times_show_every_report_once_in_order(world, login, monkeypatch):
    monkeypatch.setattr(EvaluationQueueView, "page_size", 2)
    same = timezone.now() - timedelta(hours=3)
    reports = [make_report(world, evaluate=False) for _ in range(5)]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(submitted_at=same)
    _submitted(reports[4], hours_ago=30)  # the oldest, whatever its id
    client = login(world.analyst2)
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        response = client.get(reverse(QUEUE), {"cursor": cursor} if cursor else {})
        seen += _shown(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert seen == [reports[4].pk] + sorted(r.pk for r in reports[:4])


def test_the_queue_holds_only_what_the_evaluator_may_see(world, login):
    general = _submitted(make_report(world, evaluate=False), hours_ago=2)
    restricted = _submitted(make_report(world, world.restricted, evaluate=False), hours_ago=40)
    shown = _shown(login(world.analyst).get(reverse(QUEUE)))
    assert shown == [restricted.pk, general.pk]
    # analyst2 holds only the general compartment: the restricted report is not there.
    assert _shown(login(world.analyst2).get(reverse(QUEUE))) == [general.pk]


@pytest.mark.django_db
def test_keyset_by_a_key_descending_and_a_bad_cursor(world):
    reports = [make_report(world, evaluate=False) for _ in range(3)]
    for hours, report in zip((3, 1, 2), reports, strict=True):
        _submitted(report, hours_ago=hours)
    queryset = Report.objects.filter(pk__in=[r.pk for r in reports])
    first = keyset_page_by(queryset, cursor=None, size=2, key="submitted_at", descending=True)
    assert [r.pk for r in first.items] == [reports[1].pk, reports[2].pk]
    rest = keyset_page_by(
        queryset, cursor=first.next_cursor, size=2, key="submitted_at", descending=True
    )
    assert [r.pk for r in rest.items] == [reports[0].pk] and rest.next_cursor is None
    assert rest.has_previous
    for bad in ("not-base64!", "W10", "WyJkdCIsIngiLDFd"):  # garbage, [], ["dt","x",1]
        page = keyset_page_by(queryset, cursor=bad, size=2, key="submitted_at", descending=True)
        assert [r.pk for r in page.items] == [reports[1].pk, reports[2].pk]
        assert not page.has_previous
    by_id = keyset_page_by(queryset, cursor=None, size=1, key="id", descending=False)
    after = keyset_page_by(queryset, cursor=by_id.next_cursor, size=5, key="id", descending=False)
    assert [r.pk for r in by_id.items + after.items] == sorted(r.pk for r in reports)


def test_the_queue_and_the_report_list_sort_by_their_columns_and_page_in_that_order(
    world, login, monkeypatch
):
    reports = [
        _submitted(make_report(world, evaluate=False), hours_ago=hours) for hours in (5, 30, 2)
    ]
    client = login(world.analyst2)
    by_urn = client.get(reverse(QUEUE), {"sort": "-urn"})
    assert _shown(by_urn) == sorted((r.pk for r in reports), reverse=True)
    header = by_urn.content.decode()
    assert 'aria-sort="descending"' in header and 'data-sort-column="waiting"' in header
    # Two to a page: the cursor carries the sort, so the second page goes on in that order.
    monkeypatch.setattr(EvaluationQueueView, "page_size", 2)
    first = client.get(reverse(QUEUE), {"sort": "waiting"})
    assert _shown(first) == [reports[1].pk, reports[0].pk]
    cursor = first.context["page"].next_cursor
    second = client.get(reverse(QUEUE), {"sort": "waiting", "cursor": cursor})
    assert _shown(second) == [reports[2].pk]
    # The report list: by status, then (equal statuses) by id.
    listed = client.get(reverse("intelligence:report_list"), {"sort": "status"})
    statuses = [r.status for r in listed.context["page"].items]
    assert statuses == sorted(statuses)
    unknown = client.get(reverse(QUEUE), {"sort": "nonsense"})
    assert _shown(unknown)[0] == reports[1].pk  # the default: longest waiting first
