"""The shared CSV export: streamed, neutralised, named by date, recorded before rows leave."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from audit import services as audit_services
from audit.choices import Action
from audit.models import Anomaly, AuditEvent, IntegrityCheck
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import context
from ilp_platform.web.exports import (
    Column,
    csv_lines,
    export_queryset,
    filename,
    neutralise_cell,
)

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 117 000", "'+44 117 000"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_neutralised(value, expected):
    assert neutralise_cell(value) == expected


def test_the_lines_start_with_the_header_and_quote_commas_and_newlines():
    lines = list(csv_lines(["name", "note"], [["Smith, Alan", "line one\nline two"]]))
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert rows == [["name", "note"], ["Smith, Alan", "line one\nline two"]]


def test_the_file_name_carries_the_date():
    when = datetime(2026, 3, 9, 14, 5, 7, tzinfo=UTC)
    assert filename("reports", when) == "reports-2026-03-09-140507.csv"


def test_an_export_streams_every_row_and_records_the_filters_and_the_count(world):
    with context.acting(user=world.admin, justification="export test"):
        response = export_queryset(
            Compartment.objects.all(),
            columns=[Column("slug", "slug"), Column("loud", "slug", str.upper)],
            stem="compartments",
            object_type="accounts.compartment",
            filters={"q": "x"},
            ordering=("slug",),
        )
        event = AuditEvent.objects.filter(action=Action.EXPORT).get()
        rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="compartments-20')
    assert rows == [["slug", "loud"], ["general", "GENERAL"], ["restricted", "RESTRICTED"]]
    assert event.actor_username == "admin" and event.object_type == "accounts.compartment"
    assert event.details == {"filters": {"q": "x"}, "format": "csv", "count": 2}


def test_an_export_whose_event_cannot_be_stored_is_not_served(world, monkeypatch):
    def fail(*args, **kwargs):
        raise audit_services.AuditUnavailable("disk full")

    monkeypatch.setattr(audit_services, "record", fail)
    with pytest.raises(audit_services.AuditUnavailable):
        export_queryset(
            Compartment.objects.all(),
            columns=[Column("slug", "slug")],
            stem="compartments",
            object_type="accounts.compartment",
        )


def test_the_audit_log_export_uses_the_shared_helper_and_records_the_count(client, world):
    with context.acting(user=world.analyst, justification="=cmd|' /C calc'!A0"):
        audit_services.record(Action.VIEW, object_type="intelligence.report", object_id=9)
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_export"), {"actor": "analyst"})
    rows = read_csv(response)
    header = rows[0]
    assert header[:3] == ["id", "occurred_at", "actor_username"]
    assert [row[header.index("justification")] for row in rows[1:]] == ["'=cmd|' /C calc'!A0"]
    assert 'filename="audit-events-' in response["Content-Disposition"]
    event = AuditEvent.objects.filter(action=Action.EXPORT, actor_username="oversight").get()
    assert event.details["count"] == 1 and event.details["filters"] == {"actor": "analyst"}


def test_oversight_exports_the_anomalies_and_the_verifications(client, world):
    today = datetime.now(UTC).date()
    Anomaly.objects.create(
        kind=Anomaly.Kind.DENIED, actor_username="analyst", day=today, summary="-5 refusals"
    )
    now = datetime.now(UTC)
    IntegrityCheck.objects.create(started_at=now, finished_at=now, events_checked=3, ok=True)
    client.force_login(world.oversight)
    anomalies = read_csv(client.get(reverse("audit:anomaly_list"), {"export": "csv"}))
    assert anomalies[0][:3] == ["day", "actor_username", "kind"]
    assert anomalies[1][1:4] == ["analyst", "denied", "'-5 refusals"]
    checks = read_csv(client.get(reverse("audit:integrity"), {"export": "csv"}))
    assert checks[0][0] == "started_at" and checks[1][2:4] == ["3", "True"]
    exported = set(
        AuditEvent.objects.filter(action=Action.EXPORT).values_list("object_type", flat=True)
    )
    assert exported == {"audit.anomaly", "audit.integritycheck"}


def test_reading_an_oversight_table_without_the_export_permission_exports_nothing(client, world):
    from django.contrib.auth.models import Permission

    from ilp_platform.accounts.models import User

    reader = User.objects.create_user("reader", password="x-long-password-1")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_integritycheck"),
        Permission.objects.get(codename="view_anomaly"),
    )
    client.force_login(reader)
    assert client.get(reverse("audit:integrity")).status_code == 200
    assert client.get(reverse("audit:integrity"), {"export": "csv"}).status_code == 403
    assert client.get(reverse("audit:anomaly_list"), {"export": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    assert AuditEvent.objects.filter(action=Action.DENIED, actor_username="reader").count() == 2


def test_the_audit_console_filters_in_place_and_keeps_its_paging(client, world):
    for n in range(3):
        with context.acting(user=world.analyst, justification="OP-1"):
            audit_services.record(Action.VIEW, object_type="intelligence.report", object_id=n)
    client.force_login(world.oversight)
    response = client.get(
        reverse("audit:event_list"), {"actor": "analyst"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "audit/_event_rows.html" in [t.name for t in response.templates]
    assert "HX-Request" in response["Vary"]
    assert "export.csv?actor=analyst" in body
    restore = client.get(
        reverse("audit:event_list"),
        {"actor": "analyst"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()
