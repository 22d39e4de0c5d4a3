"""Bulk actions on the evaluation queue and the report list: assign, evaluate later, export the
reports ticked. All or nothing, refusals by URN, a hidden report refused as a missing one, one
alteration event per report, and a queue page whose query count does not grow with its rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from intelligence import selectors
from intelligence.exports import REPORT_COLUMNS
from intelligence.models import Report
from intelligence.services.evaluation_queue import BULK_LIMIT, assign_reports, defer_reports
from tests.intelligence.helpers import as_user, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

QUEUE = "intelligence:evaluation_queue"
QUEUE_BULK = "intelligence:evaluation_bulk"
LIST_BULK = "intelligence:report_bulk"


def _waiting(world, compartment=None, **kwargs) -> Report:
    return make_report(world, compartment, evaluate=False, **kwargs)


def _shown(response) -> list[int]:
    return [report.pk for report in response.context["page"].items]


def _post(client, name: str, data: dict):
    """A bulk bar's POST, followed back to the list: the page and the messages it shows."""
    response = client.post(reverse(name), data, follow=True)
    assert response.redirect_chain, response.status_code
    return response


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _updates(*reports, operation: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=Action.UPDATE,
            object_type="intelligence.report",
            object_id__in=[str(r.pk) for r in reports],
            details__operation=operation,
        ).order_by("id")
    )


def _rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [column.header for column in REPORT_COLUMNS]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- Assign -----------------------------------------------------------------------------------


def test_an_evaluator_assigns_two_reports_and_the_queue_says_to_whom(world, login):
    one, two, other = _waiting(world), _waiting(world), _waiting(world)
    client = login(world.analyst)
    response = _post(
        client,
        QUEUE_BULK,
        {
            "action": "assign",
            "reports": [one.pk, two.pk],
            "assignee": world.analyst2.pk,
            "reason": "Analyst Two knows Easton",
            "next": "sort=-urn&cursor=abc&export=csv",
        },
    )
    # Back to the queue as it was (sort and page), never to an export.
    assert response.redirect_chain == [(reverse(QUEUE) + "?sort=-urn&cursor=abc", 302)]
    assert _messages(response) == [f"2 reports assigned to {world.analyst2}."]
    for report in (one, two):
        report.refresh_from_db()
        assert report.assigned_to == world.analyst2 and report.assigned_at is not None
    other.refresh_from_db()
    assert other.assigned_to is None
    events = _updates(one, two, operation="assign")
    assert [e.object_id for e in events] == [str(one.pk), str(two.pk)]
    assert all(e.actor == world.analyst for e in events)
    assert events[0].details["changes"]["assigned_to"] == [None, world.analyst2.pk]
    assert events[0].details["reason"] == "Analyst Two knows Easton"
    assert events[0].justification  # the page's justification covers the change

    page = client.get(reverse(QUEUE)).content.decode()
    assert "Assigned to" in page and str(world.analyst2) in page
    # The assignee reads "You" on their own queue.
    mine = login(world.analyst2).get(reverse(QUEUE), {"assigned": "me"})
    assert _shown(mine) == [one.pk, two.pk]
    assert "You" in mine.content.decode()


def test_one_report_the_assignee_may_not_see_refuses_the_whole_assignment(world, login):
    general = _waiting(world)
    restricted = _waiting(world, world.restricted)
    client = login(world.analyst)
    response = _post(
        client,
        QUEUE_BULK,
        {"action": "assign", "reports": [general.pk, restricted.pk], "assignee": world.analyst2.pk},
    )
    assert _messages(response) == [f"{restricted.urn}: {world.analyst2} may not see this report."]
    for report in (general, restricted):
        report.refresh_from_db()
        assert report.assigned_to is None
    assert _updates(general, restricted, operation="assign") == []


def test_a_report_is_not_assigned_to_its_author_nor_taken_out_of_the_queue_of_its_own(world):
    written_by_analyst2 = _waiting(world, submitter=world.analyst2)
    evaluated = make_report(world)
    with as_user(world.analyst), pytest.raises(Exception) as refused:
        assign_reports(
            [written_by_analyst2.pk, evaluated.pk], actor=world.analyst, assignee=world.analyst2
        )
    assert refused.value.message_dict["reports"] == [
        f"{written_by_analyst2.urn}: {world.analyst2} wrote it; another analyst evaluates it.",
        f"{evaluated.urn}: no longer awaiting evaluation.",
    ]
    # Nor may its author defer it: their own reports are not in their queue.
    with as_user(world.analyst2), pytest.raises(Exception) as refused:
        defer_reports(
            [written_by_analyst2.pk],
            actor=world.analyst2,
            until=timezone.localdate() + timedelta(days=3),
        )
    assert refused.value.message_dict["reports"] == [
        f"{written_by_analyst2.urn}: you wrote it; another analyst evaluates it."
    ]
    assert not Report.objects.filter(assigned_to__isnull=False).exists()
    assert not Report.objects.filter(deferred_until__isnull=False).exists()


def test_assigning_to_nobody_clears_the_assignment(world, login):
    report = _waiting(world)
    with as_user(world.analyst):
        assign_reports([report.pk], actor=world.analyst, assignee=world.analyst)
    response = _post(
        login(world.analyst),
        QUEUE_BULK,
        {"action": "assign", "reports": [report.pk], "assignee": "nobody"},
    )
    assert _messages(response) == ["1 report is assigned to nobody now."]
    report.refresh_from_db()
    assert report.assigned_to is None and report.assigned_at is None
    cleared = _updates(report, operation="assign")[-1]
    assert cleared.details["changes"]["assigned_to"] == [world.analyst.pk, None]
    unassigned = login(world.analyst).get(reverse(QUEUE), {"assigned": "nobody"})
    assert _shown(unassigned) == [report.pk]


def test_the_picker_offers_evaluators_of_the_choosers_compartments_naming_only_those(world, login):
    _waiting(world)
    offered = {
        e.user.username: e.compartments for e in selectors.assignable_evaluators(world.analyst2)
    }
    # Officers and managers do not evaluate; the administrator (a superuser) may.
    assert set(offered) == {"analyst", "analyst2", "admin"}
    # analyst also holds "Operation Restricted": analyst2, who does not, is not told of it.
    assert offered["analyst"] == [world.general.name]
    page = login(world.analyst2).get(reverse(QUEUE)).content.decode()
    assert world.restricted.name not in page
    # A person not offered is refused by the form: nothing changes.
    report = _waiting(world)
    response = _post(
        login(world.analyst2),
        QUEUE_BULK,
        {"action": "assign", "reports": [report.pk], "assignee": world.manager.pk},
    )
    assert any(m.startswith("Assign to:") for m in _messages(response))
    report.refresh_from_db()
    assert report.assigned_to is None


# --- A report out of reach --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["assign", "defer", "export"])
def test_a_forged_id_of_a_hidden_report_is_refused_as_a_missing_one(world, login, action):
    general = _waiting(world)
    hidden = _waiting(world, world.restricted)
    missing = hidden.pk + 1000
    data = {
        "action": action,
        "reports": [general.pk, hidden.pk, missing],
        "assignee": world.analyst2.pk,
        "until": (timezone.localdate() + timedelta(days=2)).isoformat(),
    }
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = _post(login(world.analyst2), QUEUE_BULK, data)
    said = _messages(response)
    assert said == [f"Report {hidden.pk}: not found.", f"Report {missing}: not found."]
    assert hidden.urn not in " ".join(said)
    general.refresh_from_db()
    assert general.assigned_to is None and general.deferred_until is None
    events = AuditEvent.objects.filter(id__gt=before)
    denied = events.filter(action=Action.DENIED, outcome=Outcome.DENIED)
    assert {e.object_id for e in denied} == {str(hidden.pk), str(missing)}
    assert not events.filter(action__in=[Action.UPDATE, Action.EXPORT]).exists()


def test_a_role_that_may_not_evaluate_cannot_post_to_the_queue(world, login):
    report = _waiting(world)
    response = login(world.manager).post(
        reverse(QUEUE_BULK), {"action": "assign", "reports": [report.pk], "assignee": "nobody"}
    )
    assert response.status_code == 403
    # The report list's bar offers export only.
    response = _post(
        login(world.analyst),
        LIST_BULK,
        {"action": "assign", "reports": [report.pk], "assignee": world.analyst2.pk},
    )
    assert any(m.startswith("Action:") for m in _messages(response))
    report.refresh_from_db()
    assert report.assigned_to is None


def test_without_a_justification_the_bar_asks_for_one_and_returns_to_the_list(world, login):
    report = _waiting(world)
    response = login(world.analyst, justification="").post(
        reverse(QUEUE_BULK), {"action": "export", "reports": [report.pk]}
    )
    assert response.status_code == 302
    assert response.url == reverse("core:justification") + "?next=%2Fintelligence%2Fevaluate%2F"
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


# --- Evaluate later ---------------------------------------------------------------------------


def test_a_deferred_report_leaves_the_queue_until_its_day_and_a_filter_shows_it(world, login):
    kept, deferred = _waiting(world), _waiting(world)
    day = timezone.localdate() + timedelta(days=5)
    client = login(world.analyst)
    response = _post(
        client,
        QUEUE_BULK,
        {"action": "defer", "reports": [deferred.pk], "until": day.isoformat(), "reason": "CCTV"},
    )
    assert _messages(response)[0].startswith("1 report deferred: back in the queue on")
    deferred.refresh_from_db()
    assert deferred.deferred_until == day and deferred.deferred_by == world.analyst
    event = _updates(deferred, operation="defer")[0]
    assert event.details["changes"]["deferred_until"] == [None, day.isoformat()]
    assert event.details["changes"]["deferred_by"] == [None, world.analyst.pk]
    assert event.details["reason"] == "CCTV"

    assert _shown(client.get(reverse(QUEUE))) == [kept.pk]
    included = client.get(reverse(QUEUE), {"deferred": "include"})
    assert _shown(included) == [kept.pk, deferred.pk]
    shown = formats.date_format(day, "SHORT_DATE_FORMAT")  # the page's language's shape
    assert f"Deferred until {shown}" in included.content.decode()
    assert f"by {world.analyst}" in included.content.decode()
    assert _shown(client.get(reverse(QUEUE), {"deferred": "only"})) == [deferred.pk]
    # The queue's own export follows the same default.
    export = client.get(reverse(QUEUE), {"export": "csv"})
    assert [r["urn"] for r in _rows(export)] == [kept.urn]
    # On its day it is back.
    Report.objects.filter(pk=deferred.pk).update(deferred_until=timezone.localdate())
    assert _shown(client.get(reverse(QUEUE))) == [kept.pk, deferred.pk]
    # An unknown choice is an error beside the filter, and the default view stands.
    Report.objects.filter(pk=deferred.pk).update(deferred_until=day)
    bad = client.get(reverse(QUEUE), {"deferred": "always"})
    assert "deferred" in bad.context["filter_form"].errors
    assert _shown(bad) == [kept.pk]


def test_the_day_must_come_after_today_and_within_a_year(world, login):
    report = _waiting(world)
    client = login(world.analyst)
    for day, why in (
        (timezone.localdate(), "Evaluate on: Choose a day after today."),
        (timezone.localdate() + timedelta(days=400), "Evaluate on: Choose a day within 366"),
    ):
        response = _post(
            client,
            QUEUE_BULK,
            {"action": "defer", "reports": [report.pk], "until": day.isoformat()},
        )
        assert _messages(response)[0].startswith(why)
    response = _post(client, QUEUE_BULK, {"action": "defer", "reports": [report.pk]})
    assert _messages(response) == ["Evaluate on: Give the day on which to evaluate them."]
    report.refresh_from_db()
    assert report.deferred_until is None
    assert _updates(report, operation="defer") == []


def test_select_all_on_this_page_works_without_javascript(world, login):
    reports = [_waiting(world) for _ in range(3)]
    client = login(world.analyst)
    page = client.get(reverse(QUEUE)).content.decode()
    assert 'name="all_shown"' in page
    for report in reports:
        assert f'name="shown" value="{report.pk}"' in page
        assert f'form="report-bulk" data-bulk-row aria-label="Select {report.urn}"' in page
    day = timezone.localdate() + timedelta(days=1)
    _post(
        client,
        QUEUE_BULK,
        {
            "action": "defer",
            "all_shown": "1",
            "shown": [r.pk for r in reports],
            "until": day.isoformat(),
        },
    )
    assert Report.objects.filter(deferred_until=day).count() == 3
    # Ticking nothing is refused with a sentence, not an error page.
    response = _post(client, QUEUE_BULK, {"action": "export"})
    assert _messages(response) == ["Tick the reports to act on, or select all on this page."]


def test_no_more_than_the_limit_at_once(world):
    with as_user(world.analyst), pytest.raises(Exception) as refused:
        assign_reports(list(range(1, BULK_LIMIT + 2)), actor=world.analyst, assignee=None)
    assert "at most 200" in refused.value.message_dict["reports"][0]


# --- Export selected --------------------------------------------------------------------------


def test_export_selected_writes_the_reports_ticked_with_the_list_columns_and_is_audited(
    world, login
):
    chosen = _waiting(world, text="=HYPERLINK('http://evil')", sanitised="")
    also = make_report(world, sanitised="@SUM(1) dealing in Easton")
    make_report(world)  # not ticked
    client = login(world.analyst)
    response = client.post(
        reverse(LIST_BULK), {"action": "export", "reports": [chosen.pk, also.pk]}
    )
    rows = _rows(response)
    assert sorted(r["urn"] for r in rows) == sorted([chosen.urn, also.urn])
    by_urn = {r["urn"]: r for r in rows}
    # Formula injection neutralised as in the list export.
    assert by_urn[chosen.urn]["original_text"] == "'=HYPERLINK('http://evil')"
    assert by_urn[also.urn]["sanitised_text"] == "'@SUM(1) dealing in Easton"
    event = AuditEvent.objects.filter(action=Action.EXPORT, actor=world.analyst).latest("id")
    assert event.object_type == "intelligence.report"
    assert event.details["count"] == 2
    assert event.details["filters"] == {"selected": [str(chosen.pk), str(also.pk)]}
    assert event.justification

    # The queue exports the same way; an officer exports only what they may see.
    queue = client.post(reverse(QUEUE_BULK), {"action": "export", "reports": [chosen.pk]})
    assert [r["urn"] for r in _rows(queue)] == [chosen.urn]
    officer = login(world.officer).post(
        reverse(LIST_BULK), {"action": "export", "reports": [chosen.pk]}
    )
    assert [r["urn"] for r in _rows(officer)] == [chosen.urn]
    # The report list's page carries the checkboxes and the bar.
    page = client.get(reverse("intelligence:report_list")).content.decode()
    assert 'action="/intelligence/reports/bulk/"' in page and "Export selected" in page
    assert 'value="assign"' not in page


# --- Query counts -----------------------------------------------------------------------------


def test_the_queue_page_runs_as_many_queries_for_twenty_rows_as_for_two(world, login):
    client = login(world.analyst)
    counts = {}
    for rows in (2, 20):
        while Report.objects.filter(status="submitted").count() < rows:
            report = _waiting(world)
            with as_user(world.analyst2):
                assign_reports([report.pk], actor=world.analyst2, assignee=world.analyst2)
                if report.pk % 2:
                    defer_reports(
                        [report.pk],
                        actor=world.analyst2,
                        until=timezone.localdate() + timedelta(days=2),
                    )
        client.get(reverse(QUEUE), {"deferred": "include"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(QUEUE), {"deferred": "include"})
        assert len(response.context["page"].items) == rows
        counts[rows] = len(queries)
    assert counts[2] == counts[20], counts


# --- API --------------------------------------------------------------------------------------


def test_the_api_assigns_defers_and_exports_all_or_nothing(world):
    one, two = _waiting(world), _waiting(world)
    hidden = _waiting(world, world.restricted)
    analyst = api_client(world.analyst)
    url = reverse("report-bulk-assign")
    response = analyst.post(
        url, {"reports": [one.pk, two.pk], "assignee": "analyst2"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [r["assigned_to"] for r in response.json()["reports"]] == ["analyst2", "analyst2"]
    assert analyst.get(reverse("report-detail", args=[one.pk])).json()["assigned_to"] == (
        "analyst2"
    )
    # One the assignee may not see: 400 naming it by URN, nothing changed.
    response = analyst.post(url, {"reports": [one.pk, hidden.pk], "assignee": "analyst"})
    assert response.status_code == 415  # a form cannot carry the list: JSON only
    response = analyst.post(
        url, {"reports": [one.pk, hidden.pk], "assignee": "analyst2"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reports"] == [
        f"{hidden.urn}: {world.analyst2} may not see this report."
    ]
    hidden.refresh_from_db()
    assert hidden.assigned_to is None

    # A hidden id, for someone without its compartment: "not found", never its URN.
    other = api_client(world.analyst2)
    response = other.post(
        reverse("report-bulk-defer"),
        {"reports": [one.pk, hidden.pk], "until": str(timezone.localdate() + timedelta(days=2))},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"reports": [f"Report {hidden.pk}: not found."]}
    response = other.post(
        reverse("report-bulk-defer"),
        {"reports": [two.pk], "until": str(timezone.localdate() + timedelta(days=2))},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["reports"][0]["deferred_by"] == "analyst2"
    response = other.post(
        reverse("report-bulk-defer"), {"reports": [two.pk], "until": None}, format="json"
    )
    assert response.json()["reports"][0]["deferred_until"] is None
    # An assignee outside the chooser's compartments is not even named.
    response = other.post(url, {"reports": [two.pk], "assignee": "manager"}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()

    export_url = reverse("report-bulk-export")
    response = other.post(export_url, {"reports": [one.pk, two.pk]}, format="json")
    assert sorted(r["urn"] for r in _rows(response)) == sorted([one.urn, two.urn])
    response = other.post(export_url, {"reports": [hidden.pk]}, format="json")
    assert response.status_code == 400 and hidden.urn not in response.content.decode()
    unjustified = api_client(world.analyst2, justification=None)
    assert unjustified.post(export_url, {"reports": [one.pk]}, format="json").status_code == 428
    # Roles: an officer exports their own reports but assigns nothing.
    officer = api_client(world.officer)
    refused = officer.post(url, {"reports": [one.pk], "assignee": None}, format="json")
    assert refused.status_code == 403
    assert officer.post(export_url, {"reports": [one.pk]}, format="json").status_code == 200


def test_the_home_panel_counts_what_the_queue_shows_without_the_deferred(world):
    from intelligence.home import intelligence_panels

    def waiting() -> int:
        panel = next(p for p in intelligence_panels(world.analyst) if "evaluation" in str(p.title))
        return panel.count

    _waiting(world)
    deferred = _waiting(world)
    before = waiting()
    with as_user(world.analyst):
        defer_reports(
            [deferred.pk],
            actor=world.analyst,
            until=timezone.localdate() + timedelta(days=3),
        )
    assert waiting() == before - 1
