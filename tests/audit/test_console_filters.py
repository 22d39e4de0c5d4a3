"""The oversight console's questions in words: events about a record found by its reference,
events by a person found by name, the kind of record chosen from readable labels; every list
sorted by its columns and exported (CSV, audited); the anomaly check's last run and "Run now"."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import anomalies, services
from audit.choices import Action
from audit.models import Anomaly, AuditEvent
from ilp_platform.core import context
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def _view(user, object_type, object_id, repr_=""):
    with context.acting(user=user, justification="CR/26/77 burglary series"):
        services.record(
            Action.VIEW, object_type=object_type, object_id=object_id, object_repr=repr_
        )


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_a_reports_consultations_are_found_by_its_urn(client, world):
    report = make_report(world)
    other = make_report(world)
    _view(world.analyst, "intelligence.report", report.pk, report.urn)
    _view(world.analyst2, "intelligence.report", other.pk, other.urn)
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_list"), {"reference": report.urn.lower()})
    assert response.status_code == 200
    items = response.context["page"].items
    assert items and {(e.object_type, e.object_id) for e in items} == {
        ("intelligence.report", str(report.pk))
    }
    assert "analyst2" not in {e.actor_username for e in items}


def test_an_unknown_reference_is_an_error_naming_the_field(client, world):
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_list"), {"reference": "IR-1999-999999"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "reference" in errors and "IR-1999-999999" in errors["reference"][0]
    assert list(response.context["page"].items) == []


def test_a_meeting_is_found_by_its_title(client, world):
    from tests.tasking.helpers import make_meeting

    meeting = make_meeting(world, title="Tactical T&CG December")
    _view(world.manager, "tasking.meeting", meeting.pk, meeting.title)
    client.force_login(world.oversight)
    items = (
        client.get(reverse("audit:event_list"), {"reference": "tactical t&cg december"})
        .context["page"]
        .items
    )
    assert items and all(e.object_id == str(meeting.pk) for e in items)
    assert {e.object_type for e in items} == {"tasking.meeting"}


def test_events_are_found_by_part_of_a_persons_name(client, world):
    world.analyst2.first_name, world.analyst2.last_name = "Bea", "Quennell"
    world.analyst2.save(update_fields=["first_name", "last_name"])
    _view(world.analyst2, "intelligence.report", 3)
    _view(world.analyst, "intelligence.report", 4)
    client.force_login(world.oversight)
    items = client.get(reverse("audit:event_list"), {"actor": "quenn"}).context["page"].items
    assert items and {e.actor_username for e in items} == {"analyst2"}
    # A username typed whole finds that person only.
    items = client.get(reverse("audit:event_list"), {"actor": "analyst"}).context["page"].items
    assert {e.actor_username for e in items} == {"analyst"}
    response = client.get(reverse("audit:event_list"), {"actor": "zzzz nobody"})
    assert "actor" in response.context["form"].errors


def test_the_kind_of_record_is_chosen_from_words(client, world):
    client.force_login(world.oversight)
    body = client.get(reverse("audit:event_list")).content.decode()
    assert '<select name="object_type"' in body
    select = body.split('<select name="object_type"')[1].split("</select>")[0]
    assert '<option value="intelligence.report">Intelligence report</option>' in select
    assert ">intelligence.report<" not in select
    _view(world.analyst, "intelligence.report", 9)
    page = client.get(reverse("audit:event_list"), {"object_type": "intelligence.report"})
    assert [e.object_id for e in page.context["page"].items] == ["9"]
    # The rows name the kind in words too.
    assert "Intelligence report 9" in page.content.decode()


@pytest.mark.parametrize(
    "sort, key, reverse_",
    [
        ("person", "actor_username", False),
        ("-person", "actor_username", True),
        ("action", "action", False),
        ("-time", "occurred_at", True),
        ("id", "id", False),
    ],
)
def test_the_log_sorts_by_its_columns_page_after_page(client, world, sort, key, reverse_):
    for n in range(7):
        _view(world.analyst if n % 2 else world.analyst2, "intelligence.report", n)
        _view(world.manager, "tasking.meeting", n)
    client.force_login(world.oversight)
    url = reverse("audit:event_list")
    seen, cursor = [], None
    for _ in range(50):
        params = {"sort": sort, "object_id": ""}
        if cursor:
            params["cursor"] = cursor
        response = client.get(url, params)
        page = response.context["page"]
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    keys = [(getattr(e, key), e.pk if not reverse_ else -e.pk) for e in seen]
    expected = sorted(keys, reverse=reverse_)
    assert [k[0] for k in keys] == [k[0] for k in expected]
    assert len({e.pk for e in seen}) == len(seen)
    assert 'aria-sort="' in response.content.decode()


def test_a_small_page_size_pages_a_text_sort_without_skipping(world):
    from ilp_platform.web import sorting

    for n in range(9):
        _view([world.analyst, world.analyst2, world.manager][n % 3], "intelligence.report", n)
    all_ids = set(AuditEvent.objects.values_list("pk", flat=True))
    seen, cursor = [], None
    events = AuditEvent.objects.all()
    sort = sorting.parse("person", {"person": "actor_username"}, "-person")
    while True:
        page = sorting.page(events, sort, cursor=cursor, size=2)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert [e.pk for e in seen] == [
        e.pk for e in AuditEvent.objects.order_by("actor_username", "pk")
    ]
    assert {e.pk for e in seen} == all_ids


def test_an_export_follows_the_chosen_order_and_is_audited(client, world):
    _view(world.manager, "intelligence.report", 1)
    _view(world.analyst, "intelligence.report", 2)
    _view(world.analyst2, "intelligence.report", 3)
    client.force_login(world.oversight)
    response = client.get(
        reverse("audit:event_export"), {"object_type": "intelligence.report", "sort": "person"}
    )
    assert response.status_code == 200
    people = [row["actor_username"] for row in _rows(response)]
    assert people == sorted(people) and set(people) == {"analyst", "analyst2", "manager"}
    export = AuditEvent.objects.filter(action=Action.EXPORT, object_type="audit.auditevent")
    assert export.get().details["filters"] == {"object_type": "intelligence.report"}


def _flag(day, username, kind, count, score):
    Anomaly.objects.create(
        day=day,
        actor_username=username,
        kind=kind,
        summary=f"{count} things",
        event_count=count,
        score=score,
    )


def test_the_anomalies_sort_by_their_columns_and_export_in_that_order(client, world):
    _flag(date(2026, 11, 1), "zed", Anomaly.Kind.DENIED, 9, 1.0)
    _flag(date(2026, 11, 3), "amy", Anomaly.Kind.OUT_OF_HOURS, 2, 5.0)
    _flag(date(2026, 11, 2), "max", Anomaly.Kind.VOLUME, 30, 3.0)
    client.force_login(world.oversight)
    url = reverse("audit:anomaly_list")
    assert [a.actor_username for a in client.get(url).context["anomalies"]] == [
        "amy",
        "max",
        "zed",
    ]
    assert [a.actor_username for a in client.get(url, {"sort": "person"}).context["anomalies"]] == [
        "amy",
        "max",
        "zed",
    ]
    assert [a.event_count for a in client.get(url, {"sort": "-events"}).context["anomalies"]] == [
        30,
        9,
        2,
    ]
    body = client.get(url, {"sort": "-score"}).content.decode()
    assert "sort=score" in body  # the sorted column's header flips the order
    response = client.get(url, {"sort": "events", "export": "csv"})
    assert [row["event_count"] for row in _rows(response)] == ["2", "9", "30"]
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="audit.anomaly").exists()
    assert AuditEvent.objects.filter(action=Action.LIST, object_type="audit.anomaly").exists()


def test_the_integrity_checks_sort_and_export(client, world):
    from audit.integrity import run_verification

    run_verification()
    _view(world.analyst, "intelligence.report", 1)
    run_verification()
    client.force_login(world.oversight)
    url = reverse("audit:integrity")
    newest = client.get(url).context["checks"]
    oldest = client.get(url, {"sort": "started"}).context["checks"]
    assert [c.pk for c in oldest] == [c.pk for c in reversed(newest)]
    by_events = client.get(url, {"sort": "-events"}).context["checks"]
    assert by_events[0].events_checked >= by_events[-1].events_checked
    response = client.get(url, {"sort": "events", "export": "csv"})
    counts = [int(row["events_checked"]) for row in _rows(response)]
    assert counts == sorted(counts)


def test_an_oversight_list_is_exported_only_with_the_export_permission(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("audit:anomaly_list"), {"export": "csv"}).status_code == 403


def test_the_anomalies_page_says_when_the_check_last_ran(client, world):
    client.force_login(world.oversight)
    body = client.get(reverse("audit:anomaly_list")).content.decode()
    assert "The check has not run yet." in body and "Run now" in body
    summary = anomalies.run(days=1)
    body = client.get(reverse("audit:anomaly_list")).content.decode()
    finished = datetime.fromisoformat(summary["finished_at"]).astimezone(UTC)
    assert f"Last checked: <strong>{finished:%d/%m/%Y %H:%M} UTC" in body  # English pages


def test_run_now_asks_for_a_check_audited_and_the_page_follows_it_to_the_end(
    client, world, monkeypatch
):
    from audit import tasks

    sent = []
    monkeypatch.setattr(tasks.detect_anomalies, "delay", lambda: sent.append(1))
    client.force_login(world.oversight)
    response = client.post(reverse("audit:anomaly_run"))
    assert response.status_code == 302 and sent == [1]
    assert "requested=" in response["Location"]
    assert AuditEvent.objects.filter(
        action=Action.JOB_RUN, object_type="audit.anomaly", actor_username="oversight"
    ).exists()
    # While it runs, the panel says so and polls.
    waiting = client.get(response["Location"], headers={"HX-Request": "true"})
    body = waiting.content.decode()
    assert "Checking the log for anomalies" in body and 'hx-trigger="every 2s"' in body
    # The worker runs it: the next poll shows the result and brings the table along.
    tasks.detect_anomalies()
    done = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "Last checked" in done and "every 2s" not in done
    assert 'id="anomaly-table" hx-swap-oob="true"' in done


def test_a_run_asked_for_long_ago_that_never_ended_is_said_so(client, world):
    client.force_login(world.oversight)
    requested = int((timezone.now() - timedelta(minutes=30)).timestamp() * 1000)
    body = client.get(
        reverse("audit:anomaly_list"), {"requested": requested}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "has not finished yet" in body and "Run now" in body


def test_anomalies_are_in_the_oversight_menu(client, world):
    client.force_login(world.oversight)
    body = client.get(reverse("audit:event_list")).content.decode()
    nav = body.split("<nav")[1].split("</nav>")[0]
    assert reverse("audit:anomaly_list") in nav
    client.force_login(world.officer)
    body = client.get("/").content.decode()
    assert reverse("audit:anomaly_list") not in body


def test_the_api_finds_a_reports_events_by_its_urn(world):
    from tests.utils.access import api_client

    report = make_report(world)
    _view(world.analyst, "intelligence.report", report.pk, report.urn)
    api = api_client(world.oversight)
    response = api.get("/api/v1/audit/events/", {"reference": report.urn})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and {r["object_id"] for r in results} == {str(report.pk)}
    bad = api.get("/api/v1/audit/events/", {"reference": "IR-1999-000001"})
    assert bad.status_code == 400 and "reference" in bad.json()


def test_a_filter_changed_in_place_shows_its_error_with_the_rows(client, world):
    client.force_login(world.oversight)
    response = client.get(
        reverse("audit:event_list"),
        {"reference": "IR-1999-999999"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body and 'role="alert"' in body
    assert "Reference" in body and "IR-1999-999999" in body
