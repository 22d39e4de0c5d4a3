"""The leaks an outside probe found, each replayed the way a person would cause it, and the
mechanism behind the reference rule (``ilp_platform.core.references``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.core.references import UNSET, reader_of, stored
from intelligence.models import Entity, Link, Report, ReportEntity
from tasking.models import Decision, Priority, Tasking
from tests.intelligence.helpers import as_user, make_entity, make_report, make_source
from tests.security.access import body_of, page_client
from tests.tasking.helpers import make_meeting, make_priority, make_tasking
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

PHONE = "07700 900123"


@pytest.fixture
def hidden_entity(world):
    return make_entity(
        world,
        world.restricted,
        name="Marta Quillfeather",
        description="Runs the restricted operation's courier network.",
        identifiers=[{"kind": "phone", "value": PHONE}],
    )


@pytest.fixture
def report(world):
    return make_report(world, world.general, sanitised="Burglary series in Easton.")


# --- 1. Filter choices ------------------------------------------------------------------------


def test_filter_choices_offer_no_restricted_priority_or_meeting_and_accept_none(world):
    hidden = make_priority(world, world.restricted, title="Operation Nightjar priority")
    make_tasking(world, make_priority(world, world.general, title="Burglary"), world.general)
    meeting = make_meeting(world, world.restricted, title="Nightjar gold group", open_=True)
    for role in ("analyst2", "officer"):
        client = api_client(world.user(role))
        for path in ("/api/v1/taskings/", "/api/v1/requirements/", "/api/v1/decisions/"):
            page = client.get(path, HTTP_ACCEPT="text/html")
            assert page.status_code in (200, 403), (role, path, page.status_code)
            text = body_of(page)
            assert "Nightjar" not in text, (role, path)
        for path, name, value in (
            ("/api/v1/taskings/", "priority", hidden.pk),
            ("/api/v1/requirements/", "priority", hidden.pk),
            ("/api/v1/decisions/", "meeting", meeting.pk),
        ):
            hidden_answer = client.get(path, {name: value})
            missing_answer = client.get(path, {name: 987654})
            assert hidden_answer.status_code == missing_answer.status_code, (role, path)
            assert body_of(hidden_answer) == body_of(missing_answer), (role, path)


# --- 2. A restricted entity named in a general report -----------------------------------------


def test_linking_a_restricted_entity_to_a_general_report_tells_the_analyst_who_will_see_it(
    world, report, hidden_entity
):
    client = page_client(world.analyst)
    response = client.post(
        reverse("intelligence:report_entity_add", args=[report.pk]),
        {"entity": hidden_entity.pk, "subject_category": "suspect"},
        follow=True,
    )
    text = body_of(response)
    assert "Entity linked to the report." in text
    assert "only people who hold all of them will see this link" in text
    assert ReportEntity.objects.filter(report=report, entity=hidden_entity).exists()


def test_a_restricted_entity_named_in_a_general_report_shows_nowhere_to_those_without_it(
    world, report, hidden_entity
):
    with as_user(world.analyst):
        from intelligence.services.entities import link_entity_to_report

        link_entity_to_report(
            report, hidden_entity, actor=world.analyst, subject_category="suspect"
        )
    # The analyst holding both compartments sees the pairing.
    assert "Quillfeather" in body_of(
        page_client(world.analyst).get(reverse("intelligence:report_detail", args=[report.pk]))
    )
    for role in ("analyst2", "officer"):
        page = page_client(world.user(role)).get(
            reverse("intelligence:report_detail", args=[report.pk])
        )
        assert page.status_code == 200
        assert "Quillfeather" not in body_of(page)
        api = api_client(world.user(role))
        assert "Quillfeather" not in body_of(api.get(f"/api/v1/reports/{report.pk}/"))
        # Search is no oracle: the phone number and the entity id find nothing.
        assert api.get("/api/v1/reports/", {"q": PHONE}).json()["results"] == []
        assert api.get("/api/v1/reports/", {"q": "Quillfeather"}).json()["results"] == []
        by_hidden = api.get("/api/v1/reports/", {"entity": hidden_entity.pk}).json()["results"]
        by_missing = api.get("/api/v1/reports/", {"entity": 987654}).json()["results"]
        assert by_hidden == by_missing == []
    assert "Quillfeather" not in Report.objects.get(pk=report.pk).search_document


def test_a_link_from_a_general_entity_to_a_restricted_one_is_not_seen_without_both(
    world, hidden_entity
):
    general = make_entity(world, world.general, name="Owen Partridge")
    client = page_client(world.analyst)
    response = client.post(
        reverse("intelligence:entity_link_create", args=[general.pk]),
        {"to_entity": hidden_entity.pk, "kind": "associate", "strength": "confirmed"},
        follow=True,
    )
    assert "only people who hold all of them will see this link" in body_of(response)
    link = Link.objects.get(from_entity=general, to_entity=hidden_entity)
    page = page_client(world.analyst2).get(reverse("intelligence:entity_detail", args=[general.pk]))
    assert "Quillfeather" not in body_of(page)
    api = api_client(world.analyst2)
    assert api.get(f"/api/v1/links/{link.pk}/").status_code == 404
    assert api.get("/api/v1/links/", {"entity": general.pk}).json()["results"] == []
    assert api_client(world.analyst).get(f"/api/v1/links/{link.pk}/").status_code == 200


def test_a_restricted_source_of_a_general_report_reads_as_none(world):
    source = make_source(world, world.restricted, reference="NIGHTJAR-7")
    report = make_report(world, world.general, source=source, submitter=world.handler)
    for role in ("analyst2", "admin"):
        api = api_client(world.user(role))
        assert api.get(f"/api/v1/reports/{report.pk}/").json()["source"] is None
        page = page_client(world.user(role)).get(
            reverse("intelligence:report_detail", args=[report.pk])
        )
        assert "NIGHTJAR" not in body_of(page)
        by_hidden = api.get("/api/v1/reports/", {"source": source.pk})
        by_missing = api.get("/api/v1/reports/", {"source": 987654})
        assert by_hidden.status_code == by_missing.status_code
    assert api_client(world.analyst).get(f"/api/v1/reports/{report.pk}/").json()["source"] == (
        "NIGHTJAR-7"
    )


# --- 3. The admin -----------------------------------------------------------------------------


def test_the_superuser_admin_lists_and_opens_only_its_compartments_and_is_audited(world):
    assert world.admin.is_superuser
    hidden = make_priority(world, world.restricted, title="Operation Nightjar priority")
    shown = make_priority(world, world.general, title="Burglary in Easton")
    client = page_client(world.admin)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    listing = client.get(reverse("admin:tasking_priority_changelist"))
    assert listing.status_code == 200
    assert "Nightjar" not in body_of(listing) and "Burglary in Easton" in body_of(listing)
    opened = client.get(reverse("admin:tasking_priority_change", args=[shown.pk]))
    assert opened.status_code == 200
    refused = client.get(reverse("admin:tasking_priority_change", args=[hidden.pk]))
    assert refused.status_code == 302 and "Nightjar" not in body_of(refused)
    events = list(AuditEvent.objects.filter(id__gt=before, actor=world.admin).order_by("id"))
    actions = [(e.action, e.object_type, e.object_id) for e in events]
    listed = next(e for e in events if e.action == "list")
    assert listed.details["ids"] == [str(shown.pk)]
    assert ("view", "tasking.priority", str(shown.pk)) in actions
    assert ("denied", "tasking.priority", str(hidden.pk)) in actions


def test_the_admin_offers_only_visible_records_as_choices(world):
    make_meeting(world, world.restricted, title="Nightjar gold group")
    priority = make_priority(world, world.general, title="Burglary in Easton")
    page = page_client(world.admin).get(
        reverse("admin:tasking_priority_change", args=[priority.pk])
    )
    assert "Nightjar" not in body_of(page)


# --- 4. Uniqueness refusals -------------------------------------------------------------------


def test_a_reference_taken_in_another_compartment_is_no_refusal(world):
    make_source(world, world.restricted, reference="SRC-NIGHTJAR")
    api = api_client(world.analyst2)
    created = api.post(
        "/api/v1/sources/",
        {"reference": "SRC-NIGHTJAR", "source_type": "chis", "compartment": "general"},
        format="json",
    )
    assert created.status_code == 201, created.content
    again = api.post(
        "/api/v1/sources/",
        {"reference": "src-nightjar", "source_type": "chis", "compartment": "general"},
        format="json",
    )
    assert again.status_code == 400 and "reference" in again.json()


# --- The mechanism ----------------------------------------------------------------------------


def test_a_masked_reference_reads_as_none_but_keeps_its_stored_value(world):
    hidden = make_priority(world, world.restricted, title="Nightjar")
    tasking = make_tasking(world, hidden, world.general)
    seen = Tasking.objects.visible_to(world.officer).get(pk=tasking.pk)
    assert reader_of(seen) == world.officer
    assert seen.priority is None
    assert seen.priority_id == hidden.pk
    assert stored(seen, "priority") == hidden
    # Saving the record as read keeps the reference.
    seen.title = "Visit Easton"
    seen.save(update_fields=["title"])
    assert Tasking.objects.get(pk=tasking.pk).priority_id == hidden.pk
    # Fetched without a reader (services, jobs), the reference is whole.
    assert Tasking.objects.get(pk=tasking.pk).priority == hidden
    assert reader_of(Tasking.objects.get(pk=tasking.pk)) is UNSET
    # A reader holding the compartment sees it.
    assert Tasking.objects.visible_to(world.manager).get(pk=tasking.pk).priority == hidden


def test_masked_references_of_a_whole_list_are_checked_in_one_query(world):
    hidden = make_priority(world, world.restricted, title="Nightjar")
    shown = make_priority(world, world.general, title="Burglary")
    for n in range(6):
        make_tasking(world, hidden if n % 2 else shown, world.general)
    rows = list(Tasking.objects.visible_to(world.officer).select_related("priority"))
    with CaptureQueriesContext(connection) as queries:
        priorities = [row.priority for row in rows]
    assert len(queries) == 1
    assert priorities.count(None) == 3
    assert {p.pk for p in priorities if p is not None} == {shown.pk}


def test_related_managers_answer_only_what_the_reader_may_see(world, report, hidden_entity):
    shown = make_entity(world, world.general, name="Owen Partridge")
    with as_user(world.analyst):
        from intelligence.services.entities import link_entity_to_report

        for entity in (shown, hidden_entity):
            link_entity_to_report(report, entity, actor=world.analyst, subject_category="suspect")
    as_analyst2 = Report.objects.visible_to(world.analyst2).get(pk=report.pk)
    assert [m.entity_id for m in as_analyst2.entity_links.all()] == [shown.pk]
    as_analyst = Report.objects.visible_to(world.analyst).get(pk=report.pk)
    assert {m.entity_id for m in as_analyst.entity_links.all()} == {shown.pk, hidden_entity.pk}
    # Services read whole records through the managers.
    assert ReportEntity.objects.filter(report=report).count() == 2
    prefetched = Report.objects.visible_to(world.analyst2).prefetch_related("entity_links")
    assert [m.entity_id for m in prefetched.get(pk=report.pk).entity_links.all()] == [shown.pk]


def test_a_pairing_is_visible_only_with_both_ends(world, report, hidden_entity):
    with as_user(world.analyst):
        from intelligence.services.entities import link_entity_to_report

        mention = link_entity_to_report(
            report, hidden_entity, actor=world.analyst, subject_category="suspect"
        )
    assert not ReportEntity.objects.visible_to(world.analyst2).filter(pk=mention.pk).exists()
    assert ReportEntity.objects.visible_to(world.analyst).filter(pk=mention.pk).exists()
    assert not Entity.objects.visible_to(world.analyst2).filter(pk=hidden_entity.pk).exists()


def test_a_decision_at_a_hidden_meeting_names_no_meeting_but_says_whether_it_is_locked(world):
    meeting = make_meeting(world, world.restricted, title="Nightjar gold group", open_=True)
    priority = make_priority(world, world.general, title="Burglary")
    with as_user(world.manager):
        from tasking import services

        services.record_decision(
            meeting,
            actor=world.manager,
            data={
                "subject_kind": "priority",
                "priority": priority,
                "decision": "Keep watching",
                "rationale": "Rising",
                "compartment": world.general,
            },
        )
    decision = Decision.objects.get(priority=priority)
    body = api_client(world.analyst2).get(f"/api/v1/decisions/{decision.pk}/").json()
    assert body["meeting"] is None and body["locked"] is False
    assert Priority.objects.visible_to(world.analyst2).filter(pk=priority.pk).exists()
