"""The tasking API: the generic access and audit checks for every endpoint, and its actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tasking import services
from tasking.models import Decision, Priority
from tests.intelligence.helpers import make_report
from tests.tasking.helpers import (
    MORILE_INPUTS,
    as_user,
    make_meeting,
    make_priority,
    make_requirement,
    make_tasking,
    second_manager,
)
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db

NOT_TASKING_READERS = ("oversight", "officer", "handler")


class TestMeetingAPI(RestrictedAPITests):
    basename = "meeting"
    denied_roles = NOT_TASKING_READERS

    def make_record(self, world, compartment):
        return make_meeting(world, compartment)


class TestPriorityAPI(RestrictedAPITests):
    basename = "priority"
    denied_roles = NOT_TASKING_READERS

    def make_record(self, world, compartment):
        return make_priority(world, compartment)


class TestRequirementAPI(RestrictedAPITests):
    basename = "requirement"
    denied_roles = NOT_TASKING_READERS

    def make_record(self, world, compartment):
        return make_requirement(world, make_priority(world, compartment))


class TestTaskingAPI(RestrictedAPITests):
    basename = "tasking"
    denied_roles = ("oversight", "handler")

    def make_record(self, world, compartment):
        return make_tasking(world, make_priority(world, compartment))


class TestDecisionAPI(RestrictedAPITests):
    basename = "decision"
    denied_roles = NOT_TASKING_READERS

    def make_record(self, world, compartment):
        meeting = make_meeting(world, compartment, open_=True)
        with as_user(world.manager):
            return services.record_decision(
                meeting,
                actor=world.manager,
                data={"decision": "Commission a profile", "rationale": "Rising trend"},
            )


# --- Actions ------------------------------------------------------------------------------------


def test_a_manager_plans_opens_and_closes_a_meeting_through_the_api(world):
    client = api_client(world.manager)
    response = client.post(
        reverse("meeting-list"),
        {
            "kind": "tactical",
            "title": "API T&CG",
            "scheduled_for": timezone.now().isoformat(),
            "chair": "manager",
            "attendees": ["analyst"],
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    assert client.post(reverse("meeting-open", args=[meeting_id])).json()["status"] == "open"
    agenda = client.get(reverse("meeting-agenda", args=[meeting_id])).json()
    assert agenda["live"] is False and set(agenda["sections"]) >= {"products", "taskings"}
    again = client.post(reverse("meeting-open", args=[meeting_id]))
    assert again.status_code == 409 and "planned meeting" in str(again.json())
    assert client.post(reverse("meeting-close", args=[meeting_id])).json()["status"] == "closed"
    minutes = client.get(reverse("meeting-minutes", args=[meeting_id]))
    assert minutes.status_code == 200 and minutes.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_id=str(meeting_id)).exists()


def test_an_analyst_cannot_open_a_meeting(world):
    meeting = make_meeting(world)
    response = api_client(world.analyst).post(reverse("meeting-open", args=[meeting.pk]))
    assert response.status_code == 403


def test_bad_meeting_input_answers_400_naming_the_fields(world):
    response = api_client(world.manager).post(
        reverse("meeting-list"), {"kind": "weekly", "compartment": "restricted-x"}, format="json"
    )
    assert response.status_code == 400
    assert {"kind", "title", "scheduled_for", "chair", "compartment"} <= set(response.json())


def test_a_closed_meetings_decision_cannot_be_changed_through_the_api(world):
    meeting = make_meeting(world, open_=True)
    with as_user(world.manager):
        decision = services.record_decision(
            meeting, actor=world.manager, data={"decision": "Agreed", "rationale": "Because"}
        )
    client = api_client(world.manager)
    url = reverse("decision-detail", args=[decision.pk])
    response = client.patch(url, {"rationale": "Because, corrected"}, format="json")
    assert response.status_code == 200 and response.json()["locked"] is False
    with as_user(world.manager):
        services.close_meeting(meeting, actor=world.manager)
    response = client.patch(url, {"rationale": "Rewritten later"}, format="json")
    assert response.status_code == 409
    assert "read-only" in str(response.json())
    assert Decision.objects.get(pk=decision.pk).rationale == "Because, corrected"
    response = client.post(
        reverse("decision-list"),
        {"meeting": meeting.pk, "decision": "Late", "rationale": "Late"},
        format="json",
    )
    assert response.status_code == 409


def test_the_proposer_is_refused_approval_with_a_clear_error(world):
    meeting = make_meeting(world, open_=True)
    priority = make_priority(world, proposer=world.manager)
    response = api_client(world.manager).post(
        reverse("priority-approve", args=[priority.pk]),
        {"meeting": meeting.pk, "rationale": "High harm"},
        format="json",
    )
    assert response.status_code == 400
    assert "You proposed this candidate" in str(response.json())
    other = second_manager(world)
    response = api_client(other).post(
        reverse("priority-approve", args=[priority.pk]),
        {"meeting": meeting.pk, "rationale": "High harm"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_an_analyst_proposes_and_scores_and_a_bad_factor_is_named(world):
    client = api_client(world.analyst)
    response = client.post(
        reverse("priority-list"),
        {
            "title": "Knife crime",
            "subject_kind": "theme",
            "subject_label": "Knife crime in the city centre",
            "compartment": "general",
            "matrix": "grid4x4",
            "score_inputs": {"impact": 4, "likelihood": 3},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == "12.00" and body["score_band"] == "Very high"
    assert body["score_breakdown"]["steps"][0]["working"] == "4 × 3"
    response = client.post(
        reverse("priority-score", args=[body["id"]]),
        {"matrix": "morile", "inputs": {**MORILE_INPUTS, "likelihood": 9}},
        format="json",
    )
    assert response.status_code == 400
    assert "Likelihood (likelihood)" in str(response.json()["score_inputs.likelihood"])
    assert Priority.objects.get(pk=body["id"]).matrix == "grid4x4"


def test_a_report_is_marked_as_answering_a_requirement(world):
    requirement = make_requirement(world, make_priority(world))
    report = make_report(world)
    client = api_client(world.analyst)
    url = reverse("requirement-answer", args=[requirement.pk])
    response = client.post(url, {"report": report.pk, "note": "Names the buyer"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["answering_reports"] == [report.pk]
    event = AuditEvent.objects.filter(action="link", object_type="tasking.requirement").latest("id")
    assert event.details["report"] == report.pk
    assert client.post(url, {"report": report.pk}, format="json").status_code == 400
    assert api_client(world.officer).post(url, {"report": report.pk}).status_code == 403


def test_an_officer_completes_their_tasking_and_lists_only_theirs(world):
    priority = make_priority(world)
    mine = make_tasking(world, priority, owner=world.officer, due_in_days=-1)
    make_tasking(world, priority, owner=world.analyst)
    client = api_client(world.officer)
    listed = client.get(reverse("tasking-list") + "?overdue=1").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk] and listed[0]["overdue"] is True
    response = client.post(
        reverse("tasking-complete", args=[mine.pk]), {"result": "Arrest made."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"
    again = client.post(reverse("tasking-complete", args=[mine.pk]), {"result": "x"}, format="json")
    assert again.status_code == 409


def test_the_decision_log_is_searchable_and_the_search_is_logged(world):
    meeting = make_meeting(world, open_=True)
    with as_user(world.manager):
        for text in ("Commission burglary profile", "Close the drugs operation"):
            services.record_decision(
                meeting, actor=world.manager, data={"decision": text, "rationale": "Reasons"}
            )
    response = api_client(world.analyst).get(reverse("decision-list") + "?q=burglary")
    assert [row["decision"] for row in response.json()["results"]] == [
        "Commission burglary profile"
    ]
    event = AuditEvent.objects.filter(actor=world.analyst, action="search").latest("id")
    assert event.details["query"] == "burglary"


def test_requirement_due_dates_and_assignment_are_validated(world):
    response = api_client(world.manager).post(
        reverse("requirement-list"),
        {
            "question": "Who?",
            "due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 400 and "assigned_to" in response.json()
