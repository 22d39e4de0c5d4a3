"""Report pages: the teaching form, the workflow, what each role reads, queues, query counts."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import Report
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def _form(world, **overrides):
    return {
        "compartment": world.general.pk,
        "text": "Source saw a stolen quad bike in a garden on Mill Street.",
        "grading_scheme": "3x5x2",
        "source_evaluation": "3x5x2:2",
        "intelligence_assessment": "3x5x2:A",
        "handling_code": "3x5x2:P",
        "handling_conditions": "",
        "place_name": "Mill Street",
        "action": "submit",
        **overrides,
    }


def test_the_submission_form_explains_every_code_beside_it(world, login):
    client = login(world.officer, justification="")
    response = client.get(reverse("intelligence:report_create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 — Untested" in body
    assert "B — Known indirectly to the source but corroborated" in body
    assert "H2 — Not to be disseminated without the provider&#x27;s permission" in body
    assert "Suspected to be false or malicious" in body  # 5x5x5 is offered too
    assert 'for="id_handling_conditions"' in body
    assert "<script>" not in body  # no inline script


def test_an_officer_submits_through_the_form_without_stating_a_justification(world, login):
    client = login(world.officer, justification="")
    response = client.post(reverse("intelligence:report_create"), _form(world))
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.status == "submitted" and report.submitted_by == world.officer


def test_code_c_without_conditions_is_refused_beside_the_field_and_nothing_saved(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"), _form(world, handling_code="3x5x2:C")
    )
    assert response.status_code == 200
    assert "handling_conditions" in response.context["form"].errors
    assert "write the handling conditions" in response.content.decode()
    assert not Report.objects.exists()


def test_a_code_of_another_scheme_is_refused_with_the_reason(world, login):
    client = login(world.officer, justification="")
    response = client.post(
        reverse("intelligence:report_create"), _form(world, source_evaluation="5x5x5:B")
    )
    errors = response.context["form"].errors["source_evaluation"]
    assert "belongs to the 5x5x5 scheme" in errors[0]
    assert not Report.objects.exists()


def test_the_report_page_shows_grade_in_words_and_the_handling_banner(world, login):
    report = make_report(world, handling_code="C", handling_conditions="Only to Avon partners")
    client = login(world.manager)
    body = client.get(report.get_absolute_url()).content.decode()
    assert "2B — source evaluation 2: Untested; intelligence assessment B: Known" in body
    assert "handling-banner" in body and "Only to Avon partners" in body
    assert "Alan Smith is dealing drugs at a pub in Easton." in body
    assert "covert source X" not in body  # a manager reads the sanitised text only
    body = login(world.analyst2).get(report.get_absolute_url()).content.decode()
    assert "covert source X" in body


def test_consulting_a_report_page_needs_a_justification_and_is_logged(world, login):
    report = make_report(world)
    client = login(world.analyst, justification="")
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302 and reverse("core:justification") in response.url
    client = login(world.analyst, justification="OP-X")
    assert client.get(report.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.filter(action="view", object_id=str(report.pk)).latest("id")
    assert event.justification == "OP-X"


def test_a_report_of_another_compartment_is_a_404_page(world, login):
    report = make_report(world, world.restricted)
    response = login(world.analyst2).get(report.get_absolute_url())
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", actor=world.analyst2, object_id=str(report.pk)
    ).exists()


def test_the_evaluation_queue_leaves_out_ones_own_submissions(world, login):
    mine = make_report(world, submitter=world.analyst2, evaluate=False)
    theirs = make_report(world, evaluate=False)
    page = login(world.analyst2).get(reverse("intelligence:evaluation_queue"))
    shown = {r.pk for r in page.context["page"].items}
    assert theirs.pk in shown and mine.pk not in shown


def test_the_evaluate_page_refuses_the_author_four_eyes(world, login):
    report = make_report(world, submitter=world.analyst2, evaluate=False)
    client = login(world.analyst2)
    response = client.post(
        reverse("intelligence:report_evaluate", args=[report.pk]),
        {
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:2",
            "intelligence_assessment": "3x5x2:B",
            "handling_code": "3x5x2:P",
            "sanitised_text": "Sanitised",
            "compartment": world.general.pk,
            "retention_class": report.retention_class_id,
        },
    )
    assert response.status_code == 200
    assert "Four eyes" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "submitted"


def test_an_analyst_evaluates_through_the_page(world, login):
    report = make_report(world, evaluate=False)
    client = login(world.analyst2)
    assert client.get(reverse("intelligence:report_evaluate", args=[report.pk])).status_code == 200
    response = client.post(
        reverse("intelligence:report_evaluate", args=[report.pk]),
        {
            "grading_scheme": "3x5x2",
            "source_evaluation": "3x5x2:1",
            "intelligence_assessment": "3x5x2:B",
            "handling_code": "3x5x2:P",
            "sanitised_text": "A quad bike is stored in a garden.",
            "compartment": world.general.pk,
            "retention_class": report.retention_class_id,
            "reason": "Source reliable",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "evaluated" and report.evaluated_by == world.analyst2
    assert report.source_evaluation == "1"


def test_the_report_list_pages_with_a_cursor_in_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    for _ in range(55):
        make_report(world, evaluate=False)
    client = login(world.analyst)
    client.get(reverse("intelligence:report_list"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("intelligence:report_list"))
    page = response.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    assert f"cursor={page.next_cursor}" in response.content.decode()
    second = client.get(reverse("intelligence:report_list") + f"?cursor={page.next_cursor}")
    assert len(second.context["page"].items) == 5


def test_the_report_list_filters_by_scheme_and_handling_code(world, login):
    plain = make_report(world)
    legacy = make_report(
        world,
        grading_scheme="5x5x5",
        source_evaluation="B",
        intelligence_assessment="2",
        handling_code="1",
    )
    client = login(world.analyst)
    page = client.get(reverse("intelligence:report_list") + "?grading_scheme=5x5x5").context["page"]
    assert [r.pk for r in page.items] == [legacy.pk]
    page = client.get(reverse("intelligence:report_list") + "?handling_code=P").context["page"]
    assert [r.pk for r in page.items] == [plain.pk]


def test_the_review_queue_lists_due_and_overdue_reports(world, login):
    from datetime import timedelta

    from django.utils import timezone

    due = make_report(world)
    later = make_report(world)
    Report.objects.filter(pk=due.pk).update(review_due=timezone.localdate() - timedelta(days=3))
    page = login(world.manager).get(reverse("intelligence:review_queue"))
    shown = {r.pk for r in page.context["page"].items}
    assert due.pk in shown and later.pk not in shown
    assert "Overdue" in page.content.decode()
    assert login(world.officer).get(reverse("intelligence:review_queue")).status_code == 403


def test_every_intelligence_page_renders_for_an_analyst(world, login):
    from tests.intelligence.helpers import make_entity, make_incident, make_source

    report = make_report(world)
    entity = make_entity(world)
    source = make_source(world)
    incident = make_incident(world)
    client = login(world.analyst)
    names = [
        "report_list",
        "report_create",
        "evaluation_queue",
        "search",
        "entity_list",
        "entity_create",
        "source_list",
        "source_create",
        "review_queue",
        "incident_list",
    ]
    for name in names:
        assert client.get(reverse(f"intelligence:{name}")).status_code == 200, name
    for obj in (report, entity, source, incident):
        assert client.get(obj.get_absolute_url()).status_code == 200, obj
    for name in ("report_regrade", "report_review"):
        assert client.get(reverse(f"intelligence:{name}", args=[report.pk])).status_code == 200


def test_an_author_edits_a_draft_and_submits_it(world, login):
    client = login(world.officer, justification="")
    client.post(reverse("intelligence:report_create"), _form(world, action="draft"))
    draft = Report.objects.get()
    assert draft.status == "draft"
    url = reverse("intelligence:report_edit", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(world, place_name="Stokes Croft"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.place_name == "Stokes Croft"
    assert (
        login(world.officer2 if hasattr(world, "officer2") else world.analyst2).get(url).status_code
        == 404
    )
