"""The oversight console and the audit API."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from audit import anomalies, services
from audit.choices import Action
from audit.integrity import run_verification
from audit.models import Anomaly, AuditEvent
from ilp_platform.core import context
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _consult(user, object_id, justification="CR/26/77 burglary series"):
    with context.acting(user=user, justification=justification):
        return services.record(
            Action.VIEW,
            object_type="intelligence.report",
            object_id=object_id,
            object_repr=f"IR-{object_id}",
        )


def test_oversight_sees_who_viewed_a_record_with_the_justification(client, world):
    _consult(world.analyst, 17)
    client.force_login(world.oversight)
    response = client.get(
        reverse("audit:event_list"), {"object_type": "intelligence.report", "object_id": "17"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "analyst" in body and "CR/26/77 burglary series" in body
    items = response.context["page"].items
    assert [e.actor_username for e in items] == ["analyst"]


def test_an_events_details_are_shown_escaped_so_a_grant_names_its_holder(client, world):
    with context.acting(user=world.admin):
        services.record(
            Action.PERMISSION_CHANGE,
            object_type="accounts.compartment",
            object_id="3",
            details={
                "grant": "added",
                "holder": "analyst2",
                "note": "<script>alert(1)</script>",
                "changes": {"level": ["low", "high"]},
                "ids": ["1", "2"],
            },
        )
    client.force_login(world.oversight)
    body = client.get(reverse("audit:event_list"), {"action": "permission_change"}).content
    body = body.decode()
    assert "<dt>holder</dt>" in body and ">analyst2</dd>" in body
    assert '{"level": ["low", "high"]}' in body.replace("&quot;", '"')
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "<dt>ids</dt>" not in body  # shown as "2 records listed" instead


def test_looking_at_the_log_is_itself_logged(client, world):
    client.force_login(world.oversight)
    client.get(reverse("audit:event_list"), {"actor": "analyst"})
    event = AuditEvent.objects.filter(actor_username="oversight", action=Action.LIST).latest("id")
    assert event.details["filters"] == {"actor": "analyst"}


@pytest.mark.parametrize("username", ["officer", "analyst", "manager", "handler"])
def test_other_roles_cannot_open_the_console(client, world, username):
    client.force_login(world.user(username))
    assert client.get(reverse("audit:event_list")).status_code == 403
    assert client.get(reverse("audit:integrity")).status_code == 403
    assert client.get(reverse("audit:event_export")).status_code == 403


def test_a_bad_date_filter_is_an_error_beside_the_field(client, world):
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_list"), {"since": "yesterday"})
    assert response.status_code == 200
    assert "since" in response.context["form"].errors


def test_csv_export_is_logged_and_neutralises_formulas(client, world):
    _consult(world.analyst, 5, justification='=HYPERLINK("http://x")')
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_export"), {"actor": "analyst"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, data = rows[0], rows[1:]
    justification = [row[header.index("justification")] for row in data]
    assert justification == ['\'=HYPERLINK("http://x")']
    export = AuditEvent.objects.filter(action=Action.EXPORT, actor_username="oversight").get()
    assert export.details["filters"] == {"actor": "analyst"}


def test_integrity_page_shows_the_latest_verification(client, world):
    _consult(world.analyst, 1)
    run_verification()
    client.force_login(world.oversight)
    response = client.get(reverse("audit:integrity"))
    assert response.status_code == 200
    assert response.context["latest"].ok
    assert "Chain intact" in response.content.decode()


def test_api_events_filter_and_validate(world):
    _consult(world.analyst, 9)
    _consult(world.manager, 9)
    client = api_client(world.oversight, justification=None)
    response = client.get(reverse("auditevent-list"), {"actor": "analyst", "object_id": "9"})
    assert response.status_code == 200
    assert [r["actor_username"] for r in response.json()["results"]] == ["analyst"]
    assert "next" in response.json()
    bad = client.get(reverse("auditevent-list"), {"since": "not-a-date"})
    assert bad.status_code == 400
    assert "since" in bad.json()
    bad_action = client.get(reverse("auditevent-list"), {"action": "dance"})
    assert bad_action.status_code == 400 and "action" in bad_action.json()


@pytest.mark.parametrize("username", ["officer", "analyst", "manager"])
def test_api_events_refuse_other_roles(world, username):
    assert api_client(world.user(username)).get(reverse("auditevent-list")).status_code == 403


def test_api_verify_reports_the_latest_check(world):
    client = api_client(world.oversight, justification=None)
    # A fresh installation: 200, saying no verification has run, not a 404.
    fresh = client.get(reverse("audit-verify"))
    assert fresh.status_code == 200
    assert fresh.json() == {
        "status": "never_verified",
        "started_at": None,
        "finished_at": None,
        "events_checked": 0,
        "ok": False,
        "verified": False,
        "stored_ok": None,
        "first_bad_event_id": None,
        "message": "No verification has run yet.",
    }
    result, _ = run_verification()
    body = client.get(reverse("audit-verify")).json()
    assert body["ok"] is True and body["status"] == "intact"
    # Every event but the one that records this verification's own result.
    assert body["events_checked"] == result.events_checked == AuditEvent.objects.count() - 1


def test_anomalies_flag_out_of_hours_denials_and_special_category(world, monkeypatch, settings):
    settings.ILP = {**settings.ILP, "WORKING_HOURS": (7, 19)}
    night = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: night)
    with context.acting(user=world.analyst, justification="CR/1"):
        for i in range(3):
            services.record(Action.VIEW, object_type="intelligence.report", object_id=i)
        services.record(
            Action.VIEW,
            object_type="intelligence.report",
            object_id=99,
            details={"special_category": True},
        )
    with context.acting(user=world.analyst2):
        for _ in range(anomalies.DENIED_THRESHOLD):
            services.record_denied(object_type="intelligence.report", object_id=1)
    with context.acting(user=world.officer, justification="just looking"):
        services.record(
            Action.SEARCH, object_type="intelligence.entity", details={"query": "smith"}
        )
    with context.acting(user=world.manager, justification="OP-HAWK"):
        services.record(
            Action.SEARCH, object_type="intelligence.entity", details={"query": "jones"}
        )
    raised = anomalies.detect(now=datetime(2026, 11, 20, 23, 0, tzinfo=UTC), days=1)
    flags = {(a.kind, a.actor_username) for a in Anomaly.objects.all()}
    assert (Anomaly.Kind.OUT_OF_HOURS, "analyst") in flags
    assert (Anomaly.Kind.SPECIAL_CATEGORY, "analyst") in flags
    assert (Anomaly.Kind.DENIED, "analyst2") in flags
    assert (Anomaly.Kind.NO_REFERENCE, "officer") in flags
    assert (Anomaly.Kind.NO_REFERENCE, "manager") not in flags
    assert raised == len(flags)
    # Running again raises nothing new.
    assert anomalies.detect(now=datetime(2026, 11, 20, 23, 0, tzinfo=UTC), days=1) == 0


def test_volume_anomaly_compares_with_the_persons_own_baseline(world, monkeypatch):
    base = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    day = {"value": base}
    monkeypatch.setattr(services.timezone, "now", lambda: day["value"])
    with context.acting(user=world.analyst, justification="CR/2"):
        for offset in range(20):
            day["value"] = base.replace(day=1 + offset)
            for i in range(10):
                services.record(Action.VIEW, object_type="x", object_id=i)
        day["value"] = datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
        for i in range(120):
            services.record(Action.LIST, object_type="x", object_id=i)
    anomalies.detect(now=datetime(2026, 10, 25, 23, 0, tzinfo=UTC), days=1)
    flag = Anomaly.objects.get(kind=Anomaly.Kind.VOLUME)
    assert flag.actor_username == "analyst" and flag.event_count == 120


def test_oversight_home_shows_chain_and_anomalies(client, world):
    run_verification()
    client.force_login(world.oversight)
    response = client.get(reverse("core:home"))
    titles = [str(p.title) for p in response.context["panels"]]
    assert "Audit chain" in titles and "Anomalies to look at" in titles
