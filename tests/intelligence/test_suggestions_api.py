"""The author's suggested mentions through the API: given with the report, read back by the
author and the evaluating analysts only, linked or dismissed through the same services as the
report page."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import MentionSuggestion, ReportEntity
from tests.intelligence.helpers import GRADING_3X5X2, make_entity
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
