"""Data-subject requests: registering with a deadline, the subject search across compartments
(tied to the request, audited, its hits seen only inside the request), decisions, the letter,
erasure and rectification through the intelligence services, the register and the home card."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.choices import Action
from audit.models import AuditEvent
from ilp_platform.core.errors import StateConflict
from intelligence.models import Entity, Report
from subjectrequests import deadlines, services
from subjectrequests.models import SubjectRequest
from tests.security.access import body_of, page_client
from tests.subjectrequests.helpers import (
    BORN,
    NAME,
    named_in_two_compartments,
    officer,
    register,
    search,
)
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def test_the_deadline_follows_the_configured_rule():
    assert deadlines.parse("1 month").apply(date(2026, 1, 31)) == date(2026, 2, 28)
    assert deadlines.parse("30 days").apply(date(2026, 1, 31)) == date(2026, 3, 2)
    with override_settings(SUBJECT_REQUEST_DEADLINE="2 months"):
        assert deadlines.deadline_for(date(2026, 5, 10)) == date(2026, 7, 10)
    with pytest.raises(ImproperlyConfigured, match="SUBJECT_REQUEST_DEADLINE"):
        deadlines.parse("soon")


def test_registering_sets_the_deadline_and_logs_digests_not_the_name(world):
    request = register(world, received=date(2026, 1, 31))
    assert request.reference == "SR-2026-0001"
    assert request.deadline == date(2026, 2, 28)
    event = AuditEvent.objects.filter(object_type="subjectrequests.subjectrequest").last()
    assert event.action == Action.CREATE
    assert event.purpose_type == "subject_request" and event.purpose_id == request.pk
    assert NAME not in str(event.details) and event.details["subject"]["name"].startswith("hmac:")


def test_a_request_missing_its_identity_check_is_refused_naming_the_fields(world):
    with officer(world), pytest.raises(ValidationError) as refused:
        services.register_request(
            actor=world.oversight,
            data={"kind": "access", "subject_name": NAME, "received_on": date.today()},
        )
    assert {"identity_method", "identity_checked_by", "identity_checked_on"} <= set(
        refused.value.message_dict
    )
    assert not SubjectRequest.objects.exists()


def test_only_the_officer_registers_not_a_superuser_or_an_analyst(world):
    for user in (world.admin, world.analyst):
        with officer(world), pytest.raises(PermissionDenied):
            services.register_request(actor=user, data={"kind": "access"})


def test_the_search_crosses_compartments_is_audited_and_gives_no_access_elsewhere(world):
    found = named_in_two_compartments(world)
    unrelated = Entity.objects.create(
        kind="person",
        name=NAME,
        date_of_birth=date(1970, 1, 1),
        compartment=world.general,
        created_by=world.analyst,
    )
    request = register(world)
    hits = search(world, request)
    entity_ids = {h.entity_id for h in hits if h.kind == "entity"}
    report_ids = {h.report_id for h in hits if h.kind == "report"}
    assert entity_ids == {found["general"][0].pk, found["restricted"][0].pk}
    assert unrelated.pk not in entity_ids  # same name, another date of birth
    assert report_ids == {found["general"][1].pk, found["restricted"][1].pk}
    event = AuditEvent.objects.filter(action=Action.SEARCH).last()
    assert event.purpose_type == "subject_request" and event.purpose_id == request.pk
    assert sorted(event.details["hits"]["reports"]) == sorted(report_ids)
    assert event.details["compartments"] == ["general", "restricted"]
    assert NAME not in str(event.details)
    client = page_client(world.oversight, justification=None)
    page = client.get(reverse("subjectrequests:detail", args=[request.pk]))
    assert page.status_code == 200
    assert "drives for the network" in body_of(page)  # the restricted hit, inside the request
    # Elsewhere the records stay out of reach, answered as a record that does not exist is.
    restricted_person, restricted_report = found["restricted"]
    browser, api = page_client(world.oversight), api_client(world.oversight)
    for name, pk in (
        ("intelligence:report_detail", restricted_report.pk),
        ("intelligence:entity_detail", restricted_person.pk),
    ):
        status = browser.get(reverse(name, args=[pk])).status_code
        assert status in (403, 404)
        assert status == browser.get(reverse(name, args=[987654])).status_code
    for path in ("reports", "entities"):
        status = api.get(f"/api/v1/{path}/{restricted_report.pk}/").status_code
        assert status in (403, 404)
        assert status == api.get(f"/api/v1/{path}/987654/").status_code


def test_a_restriction_needs_a_ground_and_a_review_date_and_the_letter_states_it(world):
    named_in_two_compartments(world)
    request = register(world)
    hits = {(h.kind, h.compartment_slug): h for h in search(world, request)}
    hidden = hits["report", "restricted"]
    with officer(world), pytest.raises(ValidationError) as refused:
        services.decide(request, actor=world.oversight, hit=hidden.pk, decision="restrict")
    assert {"ground", "review_on"} <= set(refused.value.message_dict)
    review = timezone.localdate() + timedelta(days=10)
    with officer(world):
        services.decide(
            request,
            actor=world.oversight,
            hit=hidden.pk,
            decision="restrict",
            ground="crime",
            review_on=review,
        )
        for hit in hits.values():
            if hit.pk != hidden.pk:
                services.decide(request, actor=world.oversight, hit=hit.pk, decision="disclose")
    context = services.letter_context(request)
    assert [h.pk for h in context["restricted"]] == [hidden.pk]
    assert len(context["grounds"]) == 1 and "Art. 15(1)(b)" in str(context["grounds"][0])
    assert hidden.pk in [h.pk for h in services.due_reviews()]
    client = page_client(world.oversight, justification=None)
    letter = client.get(reverse("subjectrequests:letter", args=[request.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    answered = client.post(reverse("subjectrequests:answer", args=[request.pk]))
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered"
    disclosure = AuditEvent.objects.filter(action=Action.DISCLOSE).last()
    assert disclosure.purpose_id == request.pk and len(disclosure.details["disclosed"]) == 3
    # After the answer only the restriction is decided again: its review.
    later = review + timedelta(days=90)
    with officer(world):
        services.decide(
            request,
            actor=world.oversight,
            hit=hidden.pk,
            decision="restrict",
            ground="crime",
            review_on=later,
        )
        disclosed = next(h for h in hits.values() if h.pk != hidden.pk)
        with pytest.raises(StateConflict):
            services.decide(request, actor=world.oversight, hit=disclosed.pk, decision="restrict")
    hidden.refresh_from_db()
    assert hidden.review_on == later


def test_a_neutral_restriction_leaves_the_ground_out_of_the_letter(world):
    named_in_two_compartments(world)
    request = register(world)
    hit = next(h for h in search(world, request) if h.compartment_slug == "restricted")
    with officer(world):
        services.decide(
            request,
            actor=world.oversight,
            hit=hit.pk,
            decision="restrict",
            ground="national_security",
            review_on=timezone.localdate() + timedelta(days=90),
            neutral=True,
        )
    assert services.letter_context(request)["grounds"] == []


def test_an_erasure_request_ends_in_a_tombstone_through_the_erasure_service(world):
    found = named_in_two_compartments(world)
    request = register(world, kind="erasure")
    report = found["general"][1]
    hit = next(h for h in search(world, request) if h.report_id == report.pk)
    client = page_client(world.oversight, justification=None)
    response = client.post(
        reverse("subjectrequests:erase", args=[request.pk]),
        {"hit": hit.pk, f"erase{hit.pk}-reason": "Witness only; no policing purpose remains"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "erased" and report.text == "" and report.urn
    assert report.erased_by == world.oversight and request.reference in report.erasure_reason
    erasure = AuditEvent.objects.filter(action=Action.ERASE, object_id=str(report.pk)).get()
    assert erasure.purpose_type == "subject_request" and erasure.purpose_id == request.pk
    hit.refresh_from_db()
    assert hit.outcome == "erased"
    with officer(world), pytest.raises(StateConflict):
        services.erase(request, actor=world.oversight, hit=hit.pk, reason="again")


def test_erasure_is_refused_on_an_access_request(world):
    named_in_two_compartments(world)
    request = register(world)
    hit = next(h for h in search(world, request) if h.kind == "report")
    with officer(world), pytest.raises(StateConflict):
        services.erase(request, actor=world.oversight, hit=hit.pk, reason="no")
    assert not Report.objects.filter(status="erased").exists()


def test_rectification_corrects_the_entity_through_its_service(world):
    found = named_in_two_compartments(world)
    request = register(world, kind="rectification")
    person = found["general"][0]
    hit = next(h for h in search(world, request) if h.entity_id == person.pk)
    with officer(world):
        services.rectify(
            request, actor=world.oversight, hit=hit.pk, data={"date_of_birth": date(1988, 4, 14)}
        )
    person.refresh_from_db()
    assert person.date_of_birth == date(1988, 4, 14)
    change = AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="intelligence.entity", object_id=str(person.pk)
    ).last()
    assert change.object_type == "intelligence.entity" and change.purpose_id == request.pk


def test_the_register_shows_deadlines_marks_the_overdue_and_sorts(world):
    late = register(world, received=timezone.localdate() - timedelta(days=60))
    fresh = register(world)
    client = page_client(world.oversight, justification=None)
    page = client.get(reverse("subjectrequests:list"))
    text = body_of(page)
    assert page.status_code == 200
    shown = [f"{r.deadline:%d/%m/%Y}" for r in (late, fresh)]  # English: day first
    assert all(day in text for day in shown)
    assert "Overdue" in text
    assert text.index(late.reference) < text.index(fresh.reference)  # earliest deadline first
    by_reference = body_of(client.get(reverse("subjectrequests:list"), {"sort": "-reference"}))
    assert by_reference.index(fresh.reference) < by_reference.index(late.reference)
    home = body_of(client.get(reverse("core:home")))
    assert "Overdue data-subject requests" in home and late.reference in home


def test_pages_and_api_turn_away_everyone_but_the_officer(world):
    request = register(world)
    detail = reverse("subjectrequests:detail", args=[request.pk])
    for user in (world.analyst, world.manager):
        assert page_client(user).get(detail).status_code == 403
        assert api_client(user).get(f"/api/v1/subject-requests/{request.pk}/").status_code == 403
    # The superuser passes every role check, and finds no request.
    admin = page_client(world.admin)
    assert request.reference not in body_of(admin.get(reverse("subjectrequests:list")))
    assert admin.get(detail).status_code == 404
    assert api_client(world.admin).get(f"/api/v1/subject-requests/{request.pk}/").status_code == 404


def test_the_api_registers_searches_decides_and_produces_the_letter(world):
    named_in_two_compartments(world)
    api = api_client(world.oversight, justification=None)
    created = api.post(
        "/api/v1/subject-requests/",
        {
            "kind": "access",
            "subject_name": NAME,
            "date_of_birth": BORN.isoformat(),
            "received_on": timezone.localdate().isoformat(),
            "identity_method": "Driving licence",
            "identity_checked_by": "DPO",
            "identity_checked_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    hits = api.post(f"/api/v1/subject-requests/{pk}/search/").json()["results"]
    assert {h["compartment_slug"] for h in hits} == {"general", "restricted"}
    bad = api.post(
        f"/api/v1/subject-requests/{pk}/decisions/",
        {"hit": hits[0]["id"], "decision": "restrict"},
        format="json",
    )
    assert bad.status_code == 400 and "ground" in bad.json()
    ok = api.post(
        f"/api/v1/subject-requests/{pk}/decisions/",
        {"hit": hits[0]["id"], "decision": "disclose"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["decision"] == "disclose"
    listed = api.get(f"/api/v1/subject-requests/{pk}/decisions/").json()["results"]
    assert len(listed) == len(hits)
    letter = api.get(f"/api/v1/subject-requests/{pk}/letter/")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action=Action.EXPORT, purpose_id=pk).exists()


def test_a_search_finding_more_than_it_keeps_says_so(world, monkeypatch):
    from subjectrequests import selectors

    named_in_two_compartments(world)
    request = register(world)
    monkeypatch.setattr(selectors, "MAX_REPORTS", 1)
    client = page_client(world.oversight, justification=None)
    page = client.post(reverse("subjectrequests:search", args=[request.pk]), follow=True)
    assert "found more records than it keeps" in body_of(page)
    assert request.hits.filter(kind="report").count() == 1
    assert AuditEvent.objects.filter(action=Action.SEARCH).last().details["capped"] is True


def test_the_demo_seed_names_the_person_in_two_compartments_once(world):
    import io
    from types import SimpleNamespace

    from subjectrequests.seed import NAME as SEEDED
    from subjectrequests.seed import seed_subject_requests

    command = SimpleNamespace(stdout=io.StringIO())
    seed_subject_requests(command)
    seed_subject_requests(command)
    people = Entity.objects.filter(name=SEEDED)
    assert sorted(people.values_list("compartment__slug", flat=True)) == ["general", "restricted"]
    named = Report.objects.filter(entity_links__entity__in=people)
    assert sorted(named.values_list("compartment__slug", flat=True)) == ["general", "restricted"]
    assert "skipped" in command.stdout.getvalue()
