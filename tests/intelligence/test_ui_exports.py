"""CSV exports of the intelligence lists: what the page shows, restricted the same way, logged."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from intelligence.models import Report
from tests.intelligence.helpers import make_entity, make_incident, make_report, make_source

pytestmark = pytest.mark.django_db

ORIGINAL = "Original: covert source X saw Alan Smith dealing at the Red Lion."


def export(client, name, **params):
    response = client.get(reverse(f"intelligence:{name}"), {**params, "export": "csv"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]], response


def last_export(username):
    return AuditEvent.objects.filter(action=Action.EXPORT, actor_username=username).latest("id")


def test_the_report_export_holds_only_the_reports_the_person_may_see(world, login):
    general = make_report(world)
    restricted = make_report(world, world.restricted)
    rows, _ = export(login(world.analyst2), "report_list")
    assert [r["urn"] for r in rows] == [general.urn]
    assert last_export("analyst2").details["count"] == 1
    rows, _ = export(login(world.analyst), "report_list")
    assert [r["urn"] for r in rows] == [restricted.urn, general.urn]


def test_the_report_export_writes_the_original_text_only_where_the_person_may_read_it(world, login):
    source = make_source(world)
    from_source = make_report(
        world,
        source=source,
        submitter=world.analyst,
        evaluator=world.analyst2,
        text=ORIGINAL + " (via source)",
    )
    officer_own = make_report(world)
    # The evaluating analyst reads every original.
    rows, _ = export(login(world.analyst), "report_list")
    assert {r["original_text"] for r in rows} == {ORIGINAL, ORIGINAL + " (via source)"}
    # A manager reviews but does not evaluate: sanitised text only.
    rows, _ = export(login(world.manager), "report_list")
    assert {r["original_text"] for r in rows} == {""}
    assert {r["sanitised_text"] for r in rows} == {
        "Alan Smith is dealing drugs at a pub in Easton."
    }
    # The officer reads the originals they wrote.
    rows, _ = export(login(world.officer), "report_list")
    assert {r["urn"]: r["original_text"] for r in rows}[officer_own.urn] == ORIGINAL
    # The handler reads the original of their source's report only.
    rows, _ = export(login(world.handler), "report_list")
    assert {r["urn"]: r["original_text"] for r in rows} == {
        from_source.urn: ORIGINAL + " (via source)"
    }


def test_the_report_export_follows_the_page_filters_and_records_them(world, login):
    plain = make_report(world)
    make_report(
        world,
        grading_scheme="5x5x5",
        source_evaluation="B",
        intelligence_assessment="2",
        handling_code="1",
    )
    client = login(world.analyst)
    rows, response = export(client, "report_list", handling_code="P")
    assert [r["urn"] for r in rows] == [plain.urn]
    assert response["Content-Disposition"].startswith('attachment; filename="reports-')
    event = last_export("analyst")
    assert event.object_type == "intelligence.report"
    assert event.details == {"filters": {"handling_code": "P"}, "format": "csv", "count": 1}
    assert event.justification == "OP-TEST page test"


def test_an_exported_cell_that_looks_like_a_formula_is_neutralised(world, login):
    make_report(world, sanitised='=HYPERLINK("http://evil","click")', place_name="@home")
    rows, _ = export(login(world.manager), "report_list")
    assert rows[0]["sanitised_text"] == '\'=HYPERLINK("http://evil","click")'


def test_a_bad_filter_exports_nothing_and_names_the_field(world, login):
    make_report(world)
    client = login(world.analyst)
    response = client.get(
        reverse("intelligence:report_list"), {"occurred_after": "last week", "export": "csv"}
    )
    assert response.status_code == 400
    assert "occurred_after" in response.context["filter_form"].errors
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_an_export_needs_a_justification_like_the_page(world, login):
    make_report(world)
    client = login(world.analyst, justification="")
    response = client.get(reverse("intelligence:report_list"), {"export": "csv"})
    assert response.status_code == 302 and reverse("core:justification") in response.url
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_the_evaluation_queue_exports_what_waits_for_the_evaluator(world, login):
    waiting = make_report(world, evaluate=False)
    make_report(world)  # evaluated already
    mine = make_report(world, submitter=world.analyst, evaluate=False)
    rows, response = export(login(world.analyst), "evaluation_queue")
    assert [r["urn"] for r in rows] == [waiting.urn]
    assert mine.urn not in {r["urn"] for r in rows}
    assert 'filename="reports-awaiting-evaluation-' in response["Content-Disposition"]
    assert last_export("analyst").details["count"] == 1


def test_the_review_queue_exports_the_reviews_due(world, login):
    due = make_report(world)
    make_report(world)
    Report.objects.filter(pk=due.pk).update(review_due=timezone.localdate() - timedelta(days=2))
    rows, _ = export(login(world.manager), "review_queue")
    assert [r["urn"] for r in rows] == [due.urn]
    assert rows[0]["review_due"] == (timezone.localdate() - timedelta(days=2)).isoformat()
    assert (
        login(world.officer)
        .get(reverse("intelligence:review_queue"), {"export": "csv"})
        .status_code
        == 403
    )


def test_the_entity_export_is_restricted_filtered_and_logged(world, login):
    make_entity(world, name="Alan Smith")
    make_entity(world, name="=Bob Jones", kind="person")
    make_entity(world, world.restricted, name="Carol Secret")
    rows, _ = export(login(world.analyst2), "entity_list")
    assert sorted(r["name"] for r in rows) == ["'=Bob Jones", "Alan Smith"]
    rows, _ = export(login(world.analyst2), "entity_list", q="smith")
    assert [r["name"] for r in rows] == ["Alan Smith"]
    event = last_export("analyst2")
    assert event.object_type == "intelligence.entity"
    assert event.details["filters"] == {"q": "smith"} and event.details["count"] == 1


def test_the_source_export_never_carries_identities(world, login):
    make_source(world, reference="SRC-1")
    make_source(world, world.restricted, reference="SRC-2")
    rows, _ = export(login(world.handler), "source_list")
    assert {r["reference"]: r["handler"] for r in rows} == {"SRC-1": "you", "SRC-2": "you"}
    assert "identity_name" not in rows[0] and "identity_details" not in rows[0]
    body = "".join(",".join(r.values()) for r in rows)
    assert "Jane Informant" not in body and "Secret Street" not in body
    rows, _ = export(login(world.analyst2), "source_list")
    assert [(r["reference"], r["handler"]) for r in rows] == [("SRC-1", "assigned")]
    assert last_export("analyst2").object_type == "intelligence.source"


def test_the_incident_export_is_restricted_filtered_and_logged(world, login):
    make_incident(world, reference="INC-1")
    make_incident(world, reference="INC-2", address="+1 Formula Road")
    make_incident(world, world.restricted, reference="INC-3")
    rows, _ = export(login(world.analyst2), "incident_list")
    assert sorted(r["reference"] for r in rows) == ["INC-1", "INC-2"]
    assert {r["reference"]: r["address"] for r in rows}["INC-2"] == "'+1 Formula Road"
    rows, _ = export(login(world.analyst2), "incident_list", reference="INC-1")
    assert [r["crime_type"] for r in rows] == ["burglary"]
    event = last_export("analyst2")
    assert event.object_type == "intelligence.incident"
    assert event.details["filters"] == {"reference": "INC-1"} and event.details["count"] == 1


def test_every_list_page_offers_its_export_with_the_current_filters(world, login):
    client = login(world.analyst)
    for name in ("report_list", "evaluation_queue", "review_queue", "entity_list"):
        body = client.get(reverse(f"intelligence:{name}")).content.decode()
        assert "export=csv" in body, name
    body = client.get(reverse("intelligence:incident_list"), {"reference": "X"}).content.decode()
    assert "?reference=X&amp;export=csv" in body
