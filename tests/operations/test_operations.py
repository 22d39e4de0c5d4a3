"""Operations: opening one, gathering records, what each reader sees of it, closing it, and the
purpose a justification names, carried on every audit event and into the hash chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.chain import GENESIS_HASH, verify_in_python
from audit.choices import Action
from audit.models import AuditEvent
from audit.verification import verify_chain
from ilp_platform.core.errors import StateConflict
from operations import selectors, services
from operations.models import Operation
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _open(world, reference="OP-2026-001", compartment=None, **data):
    with as_user(world.analyst):
        return services.open_operation(
            actor=world.analyst,
            data={
                "name": "Nightjar",
                "reference": reference,
                "objectives": "Disrupt the Easton supply line.",
                "compartment": compartment or world.general,
                **data,
            },
        )


def _gather(world, operation, kind, records):
    with as_user(world.analyst):
        services.gather(operation, actor=world.analyst, kind=kind, records=records)


# --- opening and changing ---------------------------------------------------------------------


def test_an_analyst_opens_an_operation_in_the_browser_and_it_is_logged(world, login):
    client = login(world.analyst)
    response = client.post(
        reverse("operations:create"),
        {
            "name": "Nightjar",
            "reference": "OP-2026-007",
            "objectives": "Disrupt supply",
            "lead": world.analyst.pk,
            "team": "analyst2 manager",
            "compartment": world.general.pk,
        },
    )
    operation = Operation.objects.get(reference="OP-2026-007")
    assert response.status_code == 302 and response.url == operation.get_absolute_url()
    assert set(operation.team.values_list("username", flat=True)) == {"analyst2", "manager"}
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="operations.operation")
    assert event.object_id == str(operation.pk)
    page = client.get(operation.get_absolute_url())
    assert page.status_code == 200
    assert b"Nightjar" in page.content and str(world.analyst2).encode() in page.content


def test_a_taken_reference_or_an_unknown_team_member_is_refused_naming_the_field(world, login):
    _open(world, reference="OP-1")
    client = login(world.analyst)
    before = Operation.objects.count()
    response = client.post(
        reverse("operations:create"),
        {
            "name": "Again",
            "reference": "op-1",
            "lead": world.analyst.pk,
            "compartment": world.general.pk,
        },
    )
    assert response.status_code == 200
    assert (
        "Another operation already has this reference."
        in response.context["form"].errors["reference"]
    )
    response = client.post(
        reverse("operations:create"),
        {
            "name": "Again",
            "reference": "OP-2",
            "lead": world.analyst.pk,
            "team": "nobody-here",
            "compartment": world.general.pk,
        },
    )
    assert "nobody-here" in response.context["form"].errors["team"][0]
    assert Operation.objects.count() == before


def test_an_officer_may_not_open_or_see_operations(world, login):
    operation = _open(world)
    client = login(world.officer)
    assert client.get(reverse("operations:create")).status_code == 403
    assert client.get(operation.get_absolute_url()).status_code == 403


# --- gathering and what each reader sees ------------------------------------------------------


def test_the_page_shows_what_the_reader_may_see_and_nothing_of_the_rest(world, login):
    operation = _open(world)
    open_report = make_report(world)
    secret_report = make_report(world, world.restricted)
    person = make_entity(world, name="Alan Smith")
    secret = make_entity(world, world.restricted, name="Zebedee Quartermain")
    _gather(world, operation, "reports", [open_report, secret_report])
    _gather(world, operation, "entities", [person, secret])

    analyst_page = login(world.analyst).get(operation.get_absolute_url()).content.decode()
    assert secret_report.urn in analyst_page and "Zebedee Quartermain" in analyst_page

    outsider = login(world.analyst2).get(operation.get_absolute_url())
    text = outsider.content.decode()
    assert open_report.urn in text and "Alan Smith" in text
    assert secret_report.urn not in text and "Zebedee" not in text
    assert outsider.context["contents"].counts["reports"] == 1
    # The page's consultation names the records shown, and only those.
    event = AuditEvent.objects.filter(
        actor=world.analyst2, action=Action.LIST, object_type="operations.operation"
    ).latest("id")
    assert event.details["items"]["reports"] == [open_report.pk]


def test_gathering_a_record_the_person_cannot_see_is_refused(world):
    operation = _open(world)
    secret = make_report(world, world.restricted)
    with pytest.raises(ValidationError) as refused, as_user(world.analyst2):
        services.gather(operation, actor=world.analyst2, kind="reports", records=[secret])
    assert "reports" in refused.value.message_dict
    assert not operation.reports.exists()


def test_the_gather_page_takes_urns_and_entity_ids_and_names_what_is_unknown(world, login):
    operation = _open(world)
    report = make_report(world)
    entity = make_entity(world, name="Bea Jones")
    client = login(world.analyst)
    url = reverse("operations:gather", args=[operation.pk])
    response = client.post(url, {"reports": f"{report.urn}, IR-1999-000001", "entities": ""})
    assert "IR-1999-000001" in response.context["form"].errors["reports"][0]
    assert not operation.reports.exists()
    response = client.post(url, {"reports": report.urn.lower(), "entities": str(entity.pk)})
    assert response.status_code == 302
    assert list(operation.reports.all()) == [report]
    assert list(operation.entities.all()) == [entity]
    link = AuditEvent.objects.filter(action=Action.LINK, object_type="operations.operation")
    assert link.count() == 2


def test_the_chart_draws_the_links_between_the_operations_entities(world, login):
    from intelligence.services.entities import create_link

    operation = _open(world)
    a = make_entity(world, name="Alan Smith")
    b = make_entity(world, name="Bea Jones")
    with as_user(world.analyst):
        create_link(
            actor=world.analyst,
            from_entity=a,
            to_entity=b,
            kind="associate",
            strength="tentative",
        )
    _gather(world, operation, "entities", [a, b])
    response = login(world.analyst).get(operation.get_absolute_url())
    chart = response.context["chart"]
    assert {n["name"] for n in chart["nodes"]} == {"Alan Smith", "Bea Jones"}
    assert len(chart["edges"]) == 1 and chart["edges"][0]["dash"] == "6 4"
    assert b"<svg" in response.content and b"stroke-dasharray" in response.content


def test_a_closed_operation_gathers_nothing_new_and_may_be_reopened(world):
    operation = _open(world)
    with as_user(world.analyst):
        services.close_operation(operation, actor=world.analyst, note="Charged")
        with pytest.raises(StateConflict):
            services.close_operation(operation, actor=world.analyst)
        with pytest.raises(StateConflict):
            services.gather(
                operation, actor=world.analyst, kind="reports", records=[make_report(world)]
            )
        services.reopen_operation(operation, actor=world.analyst)
    operation.refresh_from_db()
    assert operation.is_open and operation.closed_on is None


def test_the_timeline_orders_the_operations_records_newest_first(world):
    operation = _open(world)
    first, second = make_report(world), make_report(world)
    _gather(world, operation, "reports", [first, second])
    items = selectors.timeline(world.analyst, operation)
    assert [i["object_id"] for i in items if i["kind"] == "report"] == sorted(
        [first.pk, second.pk],
        key=lambda pk: next(i["at"] for i in items if i["object_id"] == pk),
        reverse=True,
    )
    assert all(items[k]["at"] >= items[k + 1]["at"] for k in range(len(items) - 1))


# --- the API ----------------------------------------------------------------------------------


def test_the_api_opens_gathers_and_answers_the_timeline(world):
    client = api_client(world.analyst)
    created = client.post(
        "/api/v1/operations/",
        {"name": "Nightjar", "reference": "OP-API-1", "compartment": "general"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    report = make_report(world)
    added = client.post(f"/api/v1/operations/{pk}/items/", {"reports": [report.pk]}, format="json")
    assert added.status_code == 200 and added.json()["reports"] == [report.pk]
    timeline = client.get(f"/api/v1/operations/{pk}/timeline/")
    assert timeline.status_code == 200
    assert [i["object_id"] for i in timeline.json()["results"]] == [report.pk]
    closed = client.post(f"/api/v1/operations/{pk}/close/", {}, format="json")
    assert closed.json()["status"] == "closed"
    again = client.post(f"/api/v1/operations/{pk}/close/", {}, format="json")
    assert again.status_code == 409


def test_an_operation_outside_the_callers_compartments_is_a_404(world):
    operation = _open(world, compartment=world.restricted)
    client = api_client(world.analyst2)
    assert client.get(f"/api/v1/operations/{operation.pk}/").status_code == 404
    assert client.get(f"/api/v1/operations/{operation.pk}/timeline/").status_code == 404
    listed = client.get("/api/v1/operations/").json()
    assert operation.reference not in str(listed)


# --- the purpose a justification names --------------------------------------------------------


def test_the_justification_page_offers_the_persons_operations_and_records_the_purpose(
    world, client
):
    mine = _open(world, reference="OP-MINE")
    hidden = _open(world, reference="OP-HIDDEN", compartment=world.restricted)
    client.force_login(world.analyst2)
    page = client.get(reverse("core:justification"))
    # analyst2 leads neither: nothing to offer yet, so no choice is shown.
    assert "work" not in page.context["form"].fields
    with as_user(world.analyst):
        services.update_operation(mine, actor=world.analyst, data={"team": [world.analyst2]})
        services.update_operation(hidden, actor=world.analyst, data={"team": [world.analyst2]})
    page = client.get(reverse("core:justification"))
    offered = [
        value
        for _group, options in page.context["form"].fields["work"].choices[1:]
        for value, _label in options
    ]
    assert f"operation:{mine.pk}" in offered
    assert f"operation:{hidden.pk}" not in offered  # a compartment analyst2 does not hold
    refused = client.post(
        reverse("core:justification"), {"work": f"operation:{hidden.pk}", "next": "/"}
    )
    assert refused.status_code == 200 and "work" in refused.context["form"].errors
    client.post(reverse("core:justification"), {"work": f"operation:{mine.pk}", "next": "/"})
    report = make_report(world)
    assert client.get(report.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.filter(
        actor=world.analyst2, action=Action.VIEW, object_type="intelligence.report"
    ).latest("id")
    assert (event.purpose_type, event.purpose_id) == ("operation", mine.pk)
    assert event.justification.startswith("OP-MINE Nightjar")
    # Oversight's question: everything consulted for this operation.
    consulted = AuditEvent.objects.filter(purpose_type="operation", purpose_id=mine.pk)
    assert consulted.filter(object_id=str(report.pk)).exists()


def test_the_purpose_is_hashed_so_changing_it_breaks_the_chain(world):
    operation = _open(world)
    with as_user(world.analyst):
        pass
    from ilp_platform.core import context

    with context.acting(
        user=world.analyst, justification="for the op", purpose=f"operation:{operation.pk}"
    ):
        from audit import services as audit

        audit.record(Action.VIEW, obj=operation)
    assert verify_chain().ok
    assert verify_in_python(0, GENESIS_HASH).ok
    event = AuditEvent.objects.filter(purpose_type="operation").latest("id")
    from audit.chain import compute_hash

    values = {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}
    assert compute_hash(values, event.prev_hash) == event.hash
    values["purpose_id"] = operation.pk + 1
    assert compute_hash(values, event.prev_hash) != event.hash
    # An event naming no purpose hashes exactly as before purposes existed.
    plain = AuditEvent.objects.filter(purpose_type="").latest("id")
    values = {f.attname: getattr(plain, f.attname) for f in AuditEvent._meta.concrete_fields}
    values.pop("purpose_type"), values.pop("purpose_id")
    assert compute_hash(values, plain.prev_hash) == plain.hash


def test_an_api_purpose_the_caller_cannot_name_is_refused_naming_the_header(world):
    hidden = _open(world, compartment=world.restricted)
    client = api_client(world.analyst2)
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_X_JUSTIFICATION="case 1",
        HTTP_X_JUSTIFICATION_PURPOSE=f"operation:{hidden.pk}",
    )
    response = client.get("/api/v1/reports/")
    assert response.status_code == 400
    assert "X-Justification-Purpose" in response.json()


# --- the entity page: an analyst's starting point ---------------------------------------------


def test_the_entity_page_shows_reports_with_date_grade_role_and_summary_its_chart_and_places(
    world, login
):
    from intelligence.services.entities import create_link, link_entity_to_report

    person = make_entity(world, name="Alan Smith")
    friend = make_entity(world, name="Bea Jones")
    secret_friend = make_entity(world, world.restricted, name="Zebedee Quartermain")
    report = make_report(world, sanitised="Alan Smith seen selling at the Red Lion.")
    report.latitude, report.longitude, report.place_name = 51.46, -2.57, "Red Lion, Easton"
    report.save(update_fields=["latitude", "longitude", "place_name"])
    with as_user(world.analyst):
        link_entity_to_report(report, person, actor=world.analyst, subject_category="suspect")
        for other in (friend, secret_friend):
            create_link(
                actor=world.analyst,
                from_entity=person,
                to_entity=other,
                kind="associate",
                strength="confirmed",
            )
    response = login(world.analyst2).get(person.get_absolute_url())
    text = response.content.decode()
    assert report.urn in text and "Alan Smith seen selling" in text and "Suspect" in text
    assert {n["name"] for n in response.context["chart"]["nodes"]} == {"Alan Smith", "Bea Jones"}
    assert "Zebedee" not in text  # a neighbour in a compartment analyst2 does not hold
    assert response.context["places"][0]["place"] == "Red Lion, Easton"
    assert 'id="entity-places"' in text and "js/entity.js" in text
    event = AuditEvent.objects.filter(
        actor=world.analyst2, object_type="intelligence.entity", details__view="entity page"
    ).latest("id")
    assert event.details["reports"] == [report.pk]
    assert event.details["neighbours"] == [friend.pk]


def test_an_analyst_corrects_an_entity_and_the_change_is_logged(world, login):
    person = make_entity(world, name="Alan Smyth")
    client = login(world.analyst)
    url = reverse("intelligence:entity_edit", args=[person.pk])
    refused = client.post(url, {"name": " ", "description": ""})
    assert "name" in refused.context["form"].errors
    response = client.post(url, {"name": "Alan Smith", "description": "Known as Smithy"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.description) == ("Alan Smith", "Known as Smithy")
    event = AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="intelligence.entity", object_id=str(person.pk)
    ).latest("id")
    assert "name" in event.details["changes"]
    assert login(world.officer).get(url).status_code == 403


def test_the_operation_page_runs_the_same_number_of_queries_whatever_it_gathers(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operation = _open(world)
    client = login(world.analyst)

    def queries() -> int:
        client.get(operation.get_absolute_url())  # warm: sessions, permissions
        with CaptureQueriesContext(connection) as captured:
            assert client.get(operation.get_absolute_url()).status_code == 200
        return len(captured)

    _gather(world, operation, "reports", [make_report(world) for _ in range(2)])
    _gather(world, operation, "entities", [make_entity(world, name=f"P{n}") for n in range(2)])
    few = queries()
    _gather(world, operation, "reports", [make_report(world) for _ in range(6)])
    _gather(world, operation, "entities", [make_entity(world, name=f"Q{n}") for n in range(6)])
    assert queries() == few


# --- oversight: everything done for a purpose -------------------------------------------------


def _consult_for(world, operation, client):
    client.force_login(world.analyst)
    client.post(reverse("core:justification"), {"work": f"operation:{operation.pk}", "next": "/"})
    report = make_report(world)
    assert client.get(report.get_absolute_url()).status_code == 200
    return report


def test_oversight_lists_everything_consulted_for_an_operation_and_flags_a_closed_one(
    world, client
):
    operation = _open(world, reference="OP-OWL")
    report = _consult_for(world, operation, client)
    with as_user(world.analyst):
        services.close_operation(operation, actor=world.analyst)
    client.force_login(world.oversight)
    response = client.get(reverse("audit:event_list"), {"purpose": "op-owl"})
    assert response.status_code == 200
    events = response.context["page"].items
    assert events and all(e.purpose_id == operation.pk for e in events)
    assert any(e.object_id == str(report.pk) for e in events)
    assert all(e.purpose_closed for e in events)
    assert "closed" in response.content.decode()
    by_key = client.get(reverse("audit:event_list"), {"purpose": f"operation:{operation.pk}"})
    assert [e.pk for e in by_key.context["page"].items] == [e.pk for e in events]
    unknown = client.get(reverse("audit:event_list"), {"purpose": "OP-NOBODY"})
    assert "purpose" in unknown.context["form"].errors
    assert not unknown.context["page"].items


def test_the_events_api_filters_by_purpose_and_shows_it(world, client):
    operation = _open(world, reference="OP-LARK")
    _consult_for(world, operation, client)
    api = api_client(world.oversight, justification=None)
    answer = api.get("/api/v1/audit/events/", {"purpose": "OP-LARK"})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results and {(r["purpose_type"], r["purpose_id"]) for r in results} == {
        ("operation", operation.pk)
    }
    refused = api.get("/api/v1/audit/events/", {"purpose": "nothing"})
    assert refused.status_code == 400 and "purpose" in refused.json()


def test_the_timeline_page_filters_by_kind_and_period_and_exports_csv(world, login):
    operation = _open(world)
    report = make_report(world)
    _gather(world, operation, "reports", [report])
    from tests.tasking.helpers import make_priority, make_tasking

    tasking = make_tasking(world, make_priority(world))
    _gather(world, operation, "taskings", [tasking])
    client = login(world.analyst)
    url = reverse("operations:timeline", args=[operation.pk])
    everything = client.get(url)
    assert {i["kind"] for i in everything.context["timeline"]} >= {"report", "tasking"}
    only_taskings = client.get(url, {"kind": "tasking"})
    assert [i["object_id"] for i in only_taskings.context["timeline"]] == [tasking.pk]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get(url, {"since": tomorrow}).context["timeline"] == []
    backwards = client.get(url, {"since": tomorrow, "until": timezone.localdate().isoformat()})
    assert "until" in backwards.context["form"].errors
    export = client.get(url, {"kind": "tasking", "format": "csv"})
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv")
    assert tasking.title in body and report.urn not in body
    event = AuditEvent.objects.filter(action=Action.EXPORT, object_type="operations.operation")
    assert event.latest("id").details["count"] == 1
