"""The officer's people, vehicles and places on the report form, and what the evaluator does
with them: suggestions created and linked, or dismissed; nothing of them outside the report's
reach; names and details only as digests in the log."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import Entity, MentionSuggestion, Report, ReportEntity
from intelligence.services.mentions import record_mentions
from intelligence.services.reports import evaluate_report
from intelligence.services.reviews import review_report
from tests.intelligence.helpers import as_user, make_report

pytestmark = pytest.mark.django_db

NAME = "Kevin Ashdown"
DETAILS = "Born 1990-03-04, known as Kev"
REGISTRATION = "WX12 ABC"


def _form(world, rows=(), **overrides):
    data = {
        "compartment": world.general.pk,
        "text": "Kevin Ashdown was seen selling from a blue van on Mill Street.",
        "grading_scheme": "3x5x2",
        "source_evaluation": "3x5x2:2",
        "intelligence_assessment": "3x5x2:A",
        "handling_code": "3x5x2:P",
        "handling_conditions": "",
        "action": "submit",
        "mentions-TOTAL_FORMS": "5",
        "mentions-INITIAL_FORMS": "0",
        "mentions-MIN_NUM_FORMS": "0",
        "mentions-MAX_NUM_FORMS": "5",
    }
    for index in range(5):
        kind, name, details = rows[index] if index < len(rows) else ("person", "", "")
        data[f"mentions-{index}-kind"] = kind
        data[f"mentions-{index}-name"] = name
        data[f"mentions-{index}-details"] = details
    data.update(overrides)
    return data


def _submitted_with_mentions(world, compartment=None, rows=None):
    report = make_report(world, compartment or world.general, evaluate=False)
    author = report.submitted_by
    rows = rows or [{"kind": "person", "name": NAME, "details": DETAILS}]
    with as_user(author):
        record_mentions(report, actor=author, rows=rows)
    return report


def test_the_form_offers_five_rows_under_their_heading(world, login):
    client = login(world.officer, justification="")
    body = client.get(reverse("intelligence:report_create")).content.decode()
    assert "People, vehicles and places mentioned" in body
    assert 'name="mentions-4-name"' in body and 'name="mentions-5-name"' not in body
    assert 'name="mentions-TOTAL_FORMS"' in body


def test_filled_rows_are_saved_with_the_report_and_empty_ones_ignored(world, login):
    client = login(world.officer, justification="")
    rows = [
        ("person", NAME, DETAILS),
        ("vehicle", "", ""),  # a kind changed alone is still an empty row
        ("vehicle", REGISTRATION, "Blue Ford Transit"),
        ("location", "Mill Street", ""),
    ]
    response = client.post(reverse("intelligence:report_create"), _form(world, rows))
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    saved = list(MentionSuggestion.objects.filter(report=report).values_list("kind", "name"))
    assert saved == [("person", NAME), ("vehicle", REGISTRATION), ("location", "Mill Street")]
    assert {s.status for s in MentionSuggestion.objects.all()} == {"open"}
    assert {s.created_by for s in MentionSuggestion.objects.all()} == {world.officer}


def test_a_row_with_details_but_no_name_is_refused_naming_its_field_and_nothing_is_saved(
    world, login
):
    client = login(world.officer, justification="")
    rows = [("person", NAME, DETAILS), ("vehicle", "", "Blue Ford Transit")]
    response = client.post(reverse("intelligence:report_create"), _form(world, rows))
    assert response.status_code == 200
    mentions = response.context["mentions"]
    assert "name" in mentions.forms[1].errors
    assert "Row 2" in mentions.forms[1].errors["name"][0]
    body = response.content.decode()
    assert 'href="#id_mentions-1-name"' in body  # the summary links to the row's field
    assert 'value="Blue Ford Transit"' in body  # what was typed is shown again
    assert not Report.objects.exists()
    assert not MentionSuggestion.objects.exists()


def test_a_report_refused_saves_none_of_its_rows(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"),
        _form(world, [("person", NAME, DETAILS)], handling_code="3x5x2:C"),
    )
    assert response.status_code == 200
    assert "handling_conditions" in response.context["form"].errors
    assert f'value="{NAME}"' in response.content.decode()
    assert not Report.objects.exists() and not MentionSuggestion.objects.exists()


def test_a_drafts_rows_are_shown_again_and_changed_with_it(world, login):
    client = login(world.officer, justification="")
    client.post(
        reverse("intelligence:report_create"),
        _form(world, [("person", NAME, DETAILS), ("location", "Mill Street", "")], action="draft"),
    )
    report = Report.objects.get()
    assert report.status == "draft"
    edit = reverse("intelligence:report_edit", args=[report.pk])
    body = client.get(edit).content.decode()
    assert f'value="{NAME}"' in body and f'value="{DETAILS}"' in body
    data = _form(world, [("person", "Kevin Ashdown-Smith", DETAILS)], action="submit")
    data["mentions-INITIAL_FORMS"] = "2"
    response = client.post(edit, data)
    assert response.status_code == 302
    assert list(MentionSuggestion.objects.values_list("name", flat=True)) == ["Kevin Ashdown-Smith"]
    assert Report.objects.get().status == "submitted"


def test_a_post_without_the_rows_leaves_the_reports_mentions_alone(world, login):
    client = login(world.officer, justification="")
    data = {k: v for k, v in _form(world).items() if not k.startswith("mentions-")}
    response = client.post(reverse("intelligence:report_create"), data)
    assert response.status_code == 302
    assert Report.objects.exists() and not MentionSuggestion.objects.exists()


def test_the_officer_sees_their_own_suggestions_on_their_report(world, login):
    report = _submitted_with_mentions(world)
    body = login(world.officer, justification="").get(report.get_absolute_url()).content.decode()
    assert "Suggested by the officer" in body and NAME in body and DETAILS in body
    assert "Create and link" not in body and "Dismiss" not in body


def test_the_evaluator_sees_the_suggestions_and_dismisses_one(world, login):
    report = _submitted_with_mentions(world)
    suggestion = MentionSuggestion.objects.get()
    client = login(world.analyst)
    body = client.get(report.get_absolute_url()).content.decode()
    assert "Suggested by the officer" in body and NAME in body and DETAILS in body
    create = f"{reverse('intelligence:entity_create')}?report={report.pk}&amp;suggestion="
    assert f"{create}{suggestion.pk}" in body
    response = client.post(
        reverse("intelligence:report_suggestion_dismiss", args=[report.pk]),
        {"suggestion": suggestion.pk},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "dismissed" and suggestion.decided_by == world.analyst
    event = AuditEvent.objects.filter(
        object_type="intelligence.mentionsuggestion", action="update"
    ).get()
    assert event.actor_id == world.analyst.pk
    assert event.details["changes"]["status"] == ["open", "dismissed"]
    # Dismissed once is dismissed: a second try is refused and changes nothing.
    client.post(
        reverse("intelligence:report_suggestion_dismiss", args=[report.pk]),
        {"suggestion": suggestion.pk},
    )
    assert AuditEvent.objects.filter(object_type="intelligence.mentionsuggestion").count() == 2


def test_the_evaluation_page_lists_the_open_suggestions(world, login):
    report = _submitted_with_mentions(
        world,
        rows=[
            {"kind": "person", "name": NAME, "details": DETAILS},
            {"kind": "vehicle", "name": REGISTRATION, "details": ""},
        ],
    )
    client = login(world.analyst)
    client.post(
        reverse("intelligence:report_suggestion_dismiss", args=[report.pk]),
        {"suggestion": MentionSuggestion.objects.get(name=REGISTRATION).pk},
    )
    body = client.get(reverse("intelligence:report_evaluate", args=[report.pk])).content.decode()
    assert "Suggested by the officer" in body and NAME in body and DETAILS in body
    assert REGISTRATION not in body  # dismissed
    assert f"{report.get_absolute_url()}#suggestions" in body


def test_the_officer_cannot_dismiss(world, login):
    report = _submitted_with_mentions(world)
    suggestion = MentionSuggestion.objects.get()
    response = login(world.officer, justification="").post(
        reverse("intelligence:report_suggestion_dismiss", args=[report.pk]),
        {"suggestion": suggestion.pk},
    )
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == "open"


def test_create_and_link_starts_from_the_suggestion_and_marks_it_linked(world, login):
    report = _submitted_with_mentions(world)
    suggestion = MentionSuggestion.objects.get()
    client = login(world.analyst)
    create = reverse("intelligence:entity_create")
    query = f"?report={report.pk}&suggestion={suggestion.pk}"
    response = client.get(create + query)
    form = response.context["form"]
    assert form.initial["kind"] == "person" and form.initial["name"] == NAME
    assert form.initial["description"] == DETAILS
    assert f'name="suggestion" value="{suggestion.pk}"' in response.content.decode()
    response = client.post(
        create,
        {
            "kind": "person",
            "name": NAME,
            "description": DETAILS,
            "compartment": world.general.pk,
            "report": report.pk,
            "suggestion": suggestion.pk,
        },
    )
    entity = Entity.objects.get(name=NAME)
    back = f"{report.get_absolute_url()}?entity={entity.pk}&suggestion={suggestion.pk}"
    assert response.status_code == 302 and response.url == f"{back}#link-entity"
    page = client.get(back)
    assert page.context["link_form"].initial == {"entity": entity.pk, "suggestion": suggestion.pk}
    assert f'name="suggestion" value="{suggestion.pk}"' in page.content.decode()
    response = client.post(
        reverse("intelligence:report_entity_add", args=[report.pk]),
        {"entity": entity.pk, "subject_category": "suspect", "suggestion": suggestion.pk},
    )
    assert response.status_code == 302
    assert ReportEntity.objects.filter(report=report, entity=entity).exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "linked" and suggestion.linked_entity == entity
    body = client.get(report.get_absolute_url()).content.decode()
    assert "Create and link" not in body and "Linked" in body


def test_a_link_refused_leaves_the_suggestion_open(world, login):
    report = _submitted_with_mentions(world)
    suggestion = MentionSuggestion.objects.get()
    entity = Entity.objects.create(
        kind="person", name="Someone Else", compartment=world.general, created_by=world.analyst
    )
    client = login(world.analyst)
    # A person needs a data-subject category: refused, and the suggestion stays open.
    client.post(
        reverse("intelligence:report_entity_add", args=[report.pk]),
        {"entity": entity.pk, "subject_category": "", "suggestion": suggestion.pk},
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "open"
    assert not ReportEntity.objects.exists()


def test_another_compartments_reader_sees_nothing_of_the_suggestions(world, login):
    report = _submitted_with_mentions(world, world.restricted)
    suggestion = MentionSuggestion.objects.get()
    client = login(world.analyst2)  # holds general, not restricted
    assert client.get(report.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("intelligence:report_suggestion_dismiss", args=[report.pk]),
        {"suggestion": suggestion.pk},
    )
    assert response.status_code == 404
    # The entity form names nothing of it either.
    general = make_report(world, world.general, evaluate=False)
    response = client.get(
        f"{reverse('intelligence:entity_create')}?report={general.pk}&suggestion={suggestion.pk}"
    )
    assert NAME not in response.content.decode()
    assert "name" not in response.context["form"].initial
    # Nor does a general report pointed at it.
    response = client.post(
        reverse("intelligence:report_entity_add", args=[general.pk]),
        {
            "entity": Entity.objects.create(
                kind="vehicle", name="AB12 CDE", compartment=world.general, created_by=world.analyst
            ).pk,
            "suggestion": suggestion.pk,
        },
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "open" and not ReportEntity.objects.exists()
    assert MentionSuggestion.objects.visible_to(world.analyst2).count() == 0
    assert MentionSuggestion.objects.visible_to(world.analyst).count() == 1


def test_the_log_holds_digests_of_names_and_details_not_the_values(world, login):
    client = login(world.officer, justification="")
    client.post(reverse("intelligence:report_create"), _form(world, [("person", NAME, DETAILS)]))
    events = AuditEvent.objects.filter(object_type="intelligence.mentionsuggestion")
    created = events.get(action="create")
    assert created.actor_id == world.officer.pk
    fields = created.details["fields"]
    assert fields["kind"] == "person" and fields["status"] == "open"
    assert fields["name"].startswith("hmac:") and fields["details"].startswith("hmac:")
    everything = json.dumps([e.details for e in AuditEvent.objects.all()])
    assert NAME not in everything and "Kevin" not in everything and "1990" not in everything


def test_erasing_the_report_erases_its_suggestions(world):
    report = _submitted_with_mentions(world)
    with as_user(world.analyst):
        evaluate_report(report, actor=world.analyst, grading_data={}, sanitised_text="Sanitised.")
    report.refresh_from_db()
    with as_user(world.manager):
        review_report(report, actor=world.manager, decision="erase", reason="Expired")
    assert not MentionSuggestion.objects.exists()
    erased = AuditEvent.objects.filter(action="erase", object_type="intelligence.report").get()
    assert erased.details["suggestions_removed"] == 1
