"""The officer's tasking loop: ask for more time (a manager grants or refuses it, everything
audited and shown on the tasking's page) and submit intelligence for the tasking (the saved
report linked to it, no report reference typed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ilp_platform.core import events
from intelligence.models import Report
from tasking import services
from tasking.models import ExtensionRequest, StateConflict
from tests.intelligence.helpers import as_user
from tests.tasking.helpers import make_priority, make_tasking, second_manager

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _ask(world, tasking, days_after=7, reason="Witness away until next week"):
    with as_user(world.officer):
        return services.request_extension(
            tasking,
            actor=world.officer,
            due_date=tasking.due_date + timedelta(days=days_after),
            reason=reason,
        )


def test_the_owner_asks_for_more_time_and_a_manager_grants_it(
    world, django_capture_on_commit_callbacks
):
    tasking = make_tasking(world, make_priority(world), due_in_days=3)
    old_due = tasking.due_date
    heard: list = []

    def hear(**payload):
        heard.append(payload)

    events.subscribe("tasking.extension_requested", hear)
    events.subscribe("tasking.extension_decided", hear)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request = _ask(world, tasking)
        assert request.status == "pending" and request.previous_due_date == old_due
        with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
            services.decide_extension(request, actor=world.manager, grant=True, note="Fine")
    finally:
        events.unsubscribe("tasking.extension_requested", hear)
        events.unsubscribe("tasking.extension_decided", hear)
    tasking.refresh_from_db()
    request.refresh_from_db()
    assert tasking.due_date == old_due + timedelta(days=7)
    assert (request.status, request.decided_by) == ("granted", world.manager)
    assert [p["request"].pk for p in heard] == [request.pk, request.pk]
    asked = AuditEvent.objects.get(
        action="create", object_type="tasking.extensionrequest", object_id=str(request.pk)
    )
    assert asked.actor == world.officer
    assert asked.details["requested_due_date"] == (old_due + timedelta(days=7)).isoformat()
    moved = AuditEvent.objects.filter(
        action="update", object_type="tasking.tasking", object_id=str(tasking.pk)
    ).latest("id")
    assert moved.details["operation"] == "extension granted"
    assert moved.details["changes"]["due_date"] == [
        old_due.isoformat(),
        tasking.due_date.isoformat(),
    ]


def test_a_refusal_says_why_and_keeps_the_deadline(world):
    tasking = make_tasking(world, make_priority(world))
    request = _ask(world, tasking)
    with as_user(world.manager), pytest.raises(ValidationError) as refused:
        services.decide_extension(request, actor=world.manager, grant=False, note="")
    assert list(refused.value.message_dict) == ["decision_note"]
    with as_user(world.manager):
        services.decide_extension(request, actor=world.manager, grant=False, note="Needed now")
    request.refresh_from_db()
    assert request.status == "refused" and request.decision_note == "Needed now"
    assert tasking.due_date == type(tasking).objects.get(pk=tasking.pk).due_date
    with as_user(world.manager), pytest.raises(StateConflict):
        services.decide_extension(request, actor=world.manager, grant=True)


@pytest.mark.parametrize(
    ("due", "field"),
    [
        (lambda t: TODAY() - timedelta(days=1), "due_date"),  # in the past
        (lambda t: t.due_date, "due_date"),  # not after the current deadline
        (lambda t: None, "due_date"),
    ],
)
def test_a_new_deadline_in_the_past_or_not_later_is_refused_naming_the_field(world, due, field):
    tasking = make_tasking(world, make_priority(world), due_in_days=5)
    with as_user(world.officer), pytest.raises(ValidationError) as refused:
        services.request_extension(
            tasking, actor=world.officer, due_date=due(tasking), reason="Because"
        )
    assert field in refused.value.message_dict
    assert not ExtensionRequest.objects.exists()


def test_an_overdue_tasking_may_ask_for_a_date_from_today(world):
    tasking = make_tasking(world, make_priority(world), due_in_days=-3)
    with as_user(world.officer):
        request = services.request_extension(
            tasking, actor=world.officer, due_date=TODAY(), reason="Late, sorry"
        )
    assert request.requested_due_date == TODAY()


def test_only_the_owner_asks_once_at_a_time_and_nobody_decides_their_own(world):
    tasking = make_tasking(world, make_priority(world))
    with as_user(world.analyst), pytest.raises(PermissionDenied):
        services.request_extension(
            tasking, actor=world.analyst, due_date=TODAY() + timedelta(days=30), reason="x"
        )
    with as_user(world.officer), pytest.raises(ValidationError) as refused:
        services.request_extension(tasking, actor=world.officer, due_date=None, reason="")
    assert set(refused.value.message_dict) == {"due_date", "reason"}
    _ask(world, tasking)
    with pytest.raises(StateConflict):
        _ask(world, tasking, days_after=9)
    own = make_tasking(world, make_priority(world), owner=world.manager)
    with as_user(world.manager):
        mine = services.request_extension(
            own, actor=world.manager, due_date=own.due_date + timedelta(days=1), reason="x"
        )
    with as_user(world.manager), pytest.raises(PermissionDenied):
        services.decide_extension(mine, actor=world.manager, grant=True)
    with as_user(world.officer), pytest.raises(PermissionDenied):
        services.decide_extension(mine, actor=world.officer, grant=True)
    other = second_manager(world)
    with as_user(other):
        services.decide_extension(mine, actor=other, grant=True)


def test_the_officer_asks_on_the_page_and_the_manager_decides_there(world, login):
    tasking = make_tasking(world, make_priority(world))
    officer = login(world.officer)
    page = officer.get(tasking.get_absolute_url()).content.decode()
    assert "Ask for more time" in page and "Submit intelligence for this tasking" in page
    url = reverse("tasking:tasking_extension_request", args=[tasking.pk])
    wanted = tasking.due_date + timedelta(days=10)
    bad = officer.post(url, {"due_date": "2020-01-01", "reason": "Away"})
    assert bad.status_code == 200
    assert "due_date" in bad.context["form"].errors and "Nothing was saved" in bad.content.decode()
    response = officer.post(url, {"due_date": wanted.isoformat(), "reason": "Witness away"})
    assert response.status_code == 302 and response.url == tasking.get_absolute_url()
    request = ExtensionRequest.objects.get()
    page = officer.get(tasking.get_absolute_url()).content.decode()
    assert "Awaiting a decision" in page and "Witness away" in page
    assert "Grant more time" not in page  # the officer cannot decide
    manager = login(world.manager)
    page = manager.get(tasking.get_absolute_url()).content.decode()
    assert "Grant more time" in page
    decide = reverse("tasking:tasking_extension_decide", args=[request.pk])
    refused = manager.post(decide, {"decision": "refuse", "decision_note": ""})
    assert refused.status_code == 200 and "decision_note" in refused.context["form"].errors
    assert manager.post(decide, {"decision": "grant"}).status_code == 302
    tasking.refresh_from_db()
    assert tasking.due_date == wanted
    officer = login(world.officer)  # the test client is one browser: sign in again
    page = officer.get(tasking.get_absolute_url()).content.decode()
    assert "Granted" in page
    assert officer.post(decide, {"decision": "refuse", "decision_note": "x"}).status_code == 403


def test_an_extension_request_of_a_tasking_out_of_reach_is_a_404(world, login):
    tasking = make_tasking(world, make_priority(world, world.restricted), owner=world.analyst)
    with as_user(world.analyst):
        request = services.request_extension(
            tasking, actor=world.analyst, due_date=tasking.due_date + timedelta(days=2), reason="x"
        )
    client = login(world.analyst2)
    decide = reverse("tasking:tasking_extension_decide", args=[request.pk])
    assert client.post(decide, {"decision": "grant"}).status_code in (403, 404)
    manager_of_general = second_manager(world)  # holds general only
    client = login(manager_of_general)
    assert client.post(decide, {"decision": "grant"}).status_code == 404
    assert ExtensionRequest.objects.get().status == "pending"
    assert not ExtensionRequest.objects.visible_to(world.officer).exists()


def test_intelligence_submitted_for_the_tasking_is_linked_to_it(world, login):
    tasking = make_tasking(world, make_priority(world))
    client = login(world.officer)
    url = reverse("tasking:tasking_report", args=[tasking.pk])
    form = client.get(url)
    assert form.status_code == 200
    body = form.content.decode()
    assert tasking.title in body and 'id="report-for-tasking"' in body
    assert form.context["form"].initial["compartment"] == tasking.compartment_id
    response = client.post(
        url,
        {
            "compartment": world.general.pk,
            "text": "Pawnbroker on Stapleton Road took three laptops today.",
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:1",
            "intelligence_assessment": "3x5x2:A",
            "handling_code": "3x5x2:P",
            "action": "submit",
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.status == "submitted"
    assert list(tasking.cited_reports.all()) == [report]
    linked = AuditEvent.objects.filter(
        action="link", object_type="tasking.tasking", object_id=str(tasking.pk)
    ).get()
    assert linked.details["report"] == report.pk
    page = client.get(tasking.get_absolute_url()).content.decode()
    assert report.urn in page


def test_a_bad_report_for_a_tasking_saves_nothing_and_links_nothing(world, login):
    tasking = make_tasking(world, make_priority(world))
    client = login(world.officer)
    response = client.post(
        reverse("tasking:tasking_report", args=[tasking.pk]),
        {"compartment": world.general.pk, "text": "", "action": "submit"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Report.objects.exists() and not tasking.cited_reports.exists()


def test_only_the_owner_or_a_manager_reports_for_a_tasking_they_see(world, login):
    tasking = make_tasking(world, make_priority(world), owner=world.manager)
    client = login(world.officer)  # not the owner: the tasking is not theirs to see
    assert client.get(reverse("tasking:tasking_report", args=[tasking.pk])).status_code == 404
    hidden = make_tasking(world, make_priority(world, world.restricted), owner=world.analyst)
    client = login(world.analyst2)
    assert client.get(reverse("tasking:tasking_report", args=[hidden.pk])).status_code in (
        403,
        404,
    )


def test_the_api_asks_for_more_time_lists_the_requests_and_a_manager_decides(world):
    from tests.utils.access import api_client

    tasking = make_tasking(world, make_priority(world))
    url = reverse("tasking-extension-requests", args=[tasking.pk])
    officer = api_client(world.officer)
    bad = officer.post(url, {"due_date": "2020-01-01", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "due_date" in bad.json()
    wanted = tasking.due_date + timedelta(days=5)
    asked = officer.post(url, {"due_date": wanted.isoformat(), "reason": "Away"}, format="json")
    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "pending"
    again = officer.post(url, {"due_date": wanted.isoformat(), "reason": "Away"}, format="json")
    assert again.status_code == 409
    listed = officer.get(url).json()["results"]
    assert [r["id"] for r in listed] == [asked.json()["id"]]
    decide = reverse("tasking-decide-extension", args=[tasking.pk, asked.json()["id"]])
    assert officer.post(decide, {"decision": "grant"}, format="json").status_code == 403
    manager = api_client(world.manager)
    refused = manager.post(decide, {"decision": "refuse"}, format="json")
    assert refused.status_code == 400 and "decision_note" in refused.json()
    granted = manager.post(decide, {"decision": "grant"}, format="json")
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    tasking.refresh_from_db()
    assert tasking.due_date == wanted
    other = make_tasking(world, make_priority(world))
    wrong = reverse("tasking-decide-extension", args=[other.pk, asked.json()["id"]])
    assert manager.post(wrong, {"decision": "grant"}, format="json").status_code == 404


def test_a_manager_finds_the_requests_awaiting_a_decision_on_the_home_page(world, login):
    tasking = make_tasking(world, make_priority(world))
    request = _ask(world, tasking)
    body = login(world.manager).get(reverse("core:home")).content.decode()
    assert "Requests for more time" in body and tasking.title in body
    assert request.get_absolute_url() in body
    assert (
        "Requests for more time"
        not in login(world.officer).get(reverse("core:home")).content.decode()
    )
    with as_user(world.manager):
        services.decide_extension(request, actor=world.manager, grant=True)
    body = login(world.manager).get(reverse("core:home")).content.decode()
    assert "Requests for more time" not in body
