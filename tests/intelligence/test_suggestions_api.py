"""The author's suggested mentions through the API: given with the report, read back by the
author and the evaluating analysts only, linked or dismissed through the same services as the
report page."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import service_scope as audit_scope
from intelligence.models import MentionSuggestion, ReportEntity
from tests.intelligence.helpers import GRADING_3X5X2, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

DRIVER = {"kind": "person", "name": "Dean Marsh", "details": "Drives the white van"}


def _submit(world, **extra):
    body = {
        **GRADING_3X5X2,
        "compartment": "general",
        "text": "A white van meets the courier at the depot every Friday.",
        "mentions": [DRIVER, {"kind": "vehicle", "name": "AB12 CDE"}],
        "submit": True,
        **extra,
    }
    return api_client(world.officer).post(reverse("report-list"), body, format="json")


def test_the_officer_names_people_and_vehicles_with_the_report(world):
    response = _submit(world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(m["kind"], m["name"], m["status"]) for m in body["suggested_mentions"]] == [
        ("person", "Dean Marsh", "open"),
        ("vehicle", "AB12 CDE", "open"),
    ]
    assert MentionSuggestion.objects.filter(report_id=body["id"]).count() == 2


def test_a_bad_mention_names_its_field_and_saves_nothing(world):
    response = _submit(world, mentions=[{"kind": "spaceship", "name": ""}])
    assert response.status_code == 400
    errors = response.json()["mentions"]["0"]  # row 1
    assert set(errors) == {"kind", "name"}
    assert not MentionSuggestion.objects.exists()


def test_suggestions_show_to_the_author_and_evaluators_only(world):
    report_id = _submit(world).json()["id"]
    url = reverse("report-detail", args=[report_id])
    evaluator = api_client(world.analyst2).get(url, HTTP_X_JUSTIFICATION="Evaluation")
    assert len(evaluator.json()["suggested_mentions"]) == 2
    # A manager reads the report but links no entities: the author's suggestions stay hidden.
    manager = api_client(world.manager).get(url, HTTP_X_JUSTIFICATION="Tasking meeting")
    assert manager.status_code == 200
    assert manager.json()["suggested_mentions"] == []


def test_the_evaluator_links_one_suggestion_and_dismisses_the_other(world):
    report_id = _submit(world).json()["id"]
    first, second = MentionSuggestion.objects.filter(report_id=report_id).order_by("id")
    entity = make_entity(world, world.general, name="Dean Marsh")
    client = api_client(world.analyst2)
    link_url = reverse("report-link-suggestion", args=[report_id, first.pk])
    linked = client.post(
        link_url, {"entity": entity.pk, "subject_category": "suspect"}, format="json"
    )
    assert linked.status_code == 201, linked.content
    assert ReportEntity.objects.filter(report_id=report_id, entity=entity).exists()
    first.refresh_from_db()
    assert (first.status, first.linked_entity_id) == ("linked", entity.pk)

    dismiss_url = reverse("report-dismiss-suggestion", args=[report_id, second.pk])
    dismissed = client.post(dismiss_url)
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed"
    again = client.post(dismiss_url)
    assert again.status_code == 400
    assert "already dismissed" in again.json()["suggestion"][0]
    assert (
        AuditEvent.objects.filter(
            object_type="intelligence.mentionsuggestion", object_id=str(second.pk), action="update"
        ).count()
        == 1
    )


def test_another_reports_suggestion_is_not_found_through_this_report(world):
    first_id = _submit(world).json()["id"]
    other_id = _submit(world).json()["id"]
    suggestion = MentionSuggestion.objects.filter(report_id=other_id).first()
    url = reverse("report-dismiss-suggestion", args=[first_id, suggestion.pk])
    assert api_client(world.analyst2).post(url).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == "open"


def _list(user, report_id, **query):
    url = reverse("report-suggestions", args=[report_id])
    return api_client(user).get(url, query, HTTP_X_JUSTIFICATION="Evaluation")


def test_the_suggestions_of_a_report_are_listed_and_the_ids_logged(world):
    report_id = _submit(world).json()["id"]
    first, second = MentionSuggestion.objects.filter(report_id=report_id).order_by("id")
    response = _list(world.analyst2, report_id)
    assert response.status_code == 200, response.content
    assert [(row["id"], row["name"], row["status"]) for row in response.json()["results"]] == [
        (first.pk, "Dean Marsh", "open"),
        (second.pk, "AB12 CDE", "open"),
    ]
    event = AuditEvent.objects.filter(
        object_type="intelligence.mentionsuggestion", action="list"
    ).latest("id")
    assert event.actor_username == "analyst2"
    assert event.details["ids"] == [str(first.pk), str(second.pk)]
    assert event.details["report"] == str(report_id)
    # The author reads their own back too.
    assert len(_list(world.officer, report_id).json()["results"]) == 2


def test_the_list_filters_by_status_and_refuses_an_unknown_one(world):
    report_id = _submit(world).json()["id"]
    second = MentionSuggestion.objects.filter(report_id=report_id).order_by("id").last()
    api_client(world.analyst2).post(
        reverse("report-dismiss-suggestion", args=[report_id, second.pk])
    )
    dismissed = _list(world.analyst2, report_id, status="dismissed").json()["results"]
    assert [row["id"] for row in dismissed] == [second.pk]
    assert [
        row["name"] for row in _list(world.analyst2, report_id, status="open").json()["results"]
    ] == ["Dean Marsh"]
    bad = _list(world.analyst2, report_id, status="maybe")
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_the_list_keeps_the_report_pages_reach(world):
    report_id = _submit(world).json()["id"]
    # A manager reads the report but links no entities: an empty list, as on the report.
    manager = _list(world.manager, report_id)
    assert manager.status_code == 200
    assert manager.json()["results"] == []
    # Without a stated purpose nothing is read.
    url = reverse("report-suggestions", args=[report_id])
    assert api_client(world.analyst2, justification=None).get(url).status_code == 428


def test_a_report_outside_the_readers_compartments_is_not_found(world):
    report = make_report(world, world.restricted, evaluate=False)
    with audit_scope():
        MentionSuggestion.objects.create(
            report=report, kind="person", name="Hidden Person", created_by=report.submitted_by
        )
    response = _list(world.analyst2, report.pk)
    assert response.status_code == 404
    assert b"Hidden Person" not in response.content
