"""The reports API: access, workflow, grading rules, what each role reads, bad input."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import Grading, Report
from tests.intelligence.helpers import GRADING_3X5X2, make_report, make_source
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db


class TestReportAPIAccess(RestrictedAPITests):
    basename = "report"
    allowed_role = "analyst"
    denied_roles = ("oversight",)
    outsider = "analyst2"

    update_body = {"text": "Changed by someone without the compartment."}

    def make_record(self, world, compartment):
        return make_report(world, compartment)

    def create_body(self, world):
        return {**GRADING_3X5X2, "text": "Source saw Bob Jones near the park."}


def _payload(world, **overrides):
    return {
        **GRADING_3X5X2,
        "compartment": "general",
        "text": "Source saw Bob Jones with a knife near the park.",
        "occurred_at": "2026-03-01T21:00:00Z",
        "latitude": 51.45,
        "longitude": -2.59,
        "place_name": "Easton",
        "crime_types": ["weapons"],
        **overrides,
    }


def test_an_officer_submits_a_report_and_receives_a_urn(world):
    response = api_client(world.officer).post(
        reverse("report-list"), _payload(world, submit=True), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["urn"].startswith("IR-") and len(body["urn"]) == len("IR-2026-000001")
    assert body["status"] == "submitted"
    assert body["compartment"] == "general"
    assert body["text"] == "Source saw Bob Jones with a knife near the park."
    assert body["review_due"]
    report = Report.objects.get(pk=body["id"])
    event = AuditEvent.objects.get(action="create", object_id=str(report.pk))
    assert "knife" not in str(event.details)
    assert event.details["fields"]["text"].startswith("hmac:")  # a keyed digest only


def test_urns_are_unique_and_consecutive(world):
    client = api_client(world.officer)
    urns = [
        client.post(reverse("report-list"), _payload(world), format="json").json()["urn"]
        for _ in range(3)
    ]
    numbers = [int(u.rsplit("-", 1)[1]) for u in urns]
    assert len(set(urns)) == 3
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"handling_code": "C", "handling_conditions": ""}, "handling_conditions"),
        ({"source_evaluation": "9"}, "source_evaluation"),
        ({"grading_scheme": "4x4", "intelligence_assessment": "B"}, "source_evaluation"),
        ({"grading_scheme": "nope"}, "grading_scheme"),
        ({"latitude": 95}, "latitude"),
        ({"longitude": -200}, "longitude"),
        ({"latitude": None, "longitude": 2.0}, "latitude"),
        ({"text": ""}, "text"),
        ({"compartment": "restricted"}, "compartment"),
        ({"occurred_from": "2026-03-02T00:00:00Z"}, "occurred_at"),
        (
            {
                "occurred_at": None,
                "occurred_from": "2026-03-02T00:00:00Z",
                "occurred_to": "2026-03-01T00:00:00Z",
            },
            "occurred_to",
        ),
        ({"crime_types": ["no-such-type"]}, "crime_types"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_saves_nothing(world, overrides, field):
    before = Report.objects.count()
    response = api_client(world.officer).post(
        reverse("report-list"), _payload(world, **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Report.objects.count() == before


def test_the_submitter_cannot_evaluate_their_own_report_four_eyes(world):
    report = make_report(world, world.general, submitter=world.analyst2, evaluate=False)
    client = api_client(world.analyst2)
    response = client.post(
        reverse("report-evaluate", args=[report.pk]),
        {"sanitised_text": "Sanitised."},
        format="json",
    )
    assert response.status_code == 400
    assert "Four eyes" in str(response.json())
    report.refresh_from_db()
    assert report.status == "submitted"


def test_an_analyst_evaluates_another_persons_report_recording_the_grading(world):
    report = make_report(world, world.general, evaluate=False)
    response = api_client(world.analyst).post(
        reverse("report-evaluate", args=[report.pk]),
        {
            "sanitised_text": "A man is carrying a knife in Easton.",
            "intelligence_assessment": "C",
            "reason": "Not corroborated yet",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "evaluated"
    assert body["intelligence_assessment"] == "C"
    assert body["grade"].startswith(
        "2C — source evaluation 2: Untested; intelligence assessment C: Known indirectly"
    )
    history = Grading.objects.get(report=report)
    assert (history.old_intelligence_assessment, history.new_intelligence_assessment) == ("B", "C")
    assert history.graded_by == world.analyst
    assert history.reason == "Not corroborated yet"


def test_an_officer_cannot_evaluate(world):
    report = make_report(world, world.general, evaluate=False)
    response = api_client(world.officer).post(
        reverse("report-evaluate", args=[report.pk]), {"sanitised_text": "x"}, format="json"
    )
    assert response.status_code == 403


def test_regrading_keeps_a_history_with_who_when_and_why(world):
    report = make_report(world)
    client = api_client(world.analyst2)
    url = reverse("report-regrade", args=[report.pk])
    assert client.post(url, {"source_evaluation": "1"}, format="json").json().keys() == {"reason"}
    response = client.post(
        url,
        {"source_evaluation": "1", "handling_code": "C", "reason": "Source proved reliable"},
        format="json",
    )
    assert response.status_code == 400
    assert "handling_conditions" in response.json()
    response = client.post(
        url, {"source_evaluation": "1", "reason": "Source proved reliable"}, format="json"
    )
    assert response.status_code == 200, response.content
    latest = report.gradings.first()
    assert (latest.old_source_evaluation, latest.new_source_evaluation) == ("2", "1")
    assert latest.graded_by == world.analyst2 and latest.reason == "Source proved reliable"
    assert report.gradings.count() == 2
    event = AuditEvent.objects.filter(action="update", object_id=str(report.pk)).latest("id")
    assert event.details["changes"]["source_evaluation"] == ["2", "1"]


def test_the_original_text_is_returned_only_to_author_handler_and_evaluators(world):
    source = make_source(world, world.general, handler=world.handler)
    report = make_report(world, world.general, source=source, submitter=world.analyst2)
    url = reverse("report-detail", args=[report.pk])
    own = make_report(world, world.general)
    own_body = api_client(world.officer).get(reverse("report-detail", args=[own.pk])).json()
    assert own_body["text"] == own.text  # the author reads what they wrote
    expectations = {
        "handler": True,  # handles the source
        "analyst": True,
        "analyst2": True,
        "manager": False,
    }
    for role, sees_original in expectations.items():
        body = api_client(world.user(role)).get(url).json()
        assert body["sanitised_text"] == "Alan Smith is dealing drugs at a pub in Easton.", role
        assert (body["text"] is not None) is sees_original, role


def test_an_officer_sees_only_their_own_submissions(world):
    own = make_report(world, world.general)
    other = make_report(world, world.general, submitter=world.analyst2, evaluator=world.analyst)
    ids = {
        row["id"] for row in api_client(world.officer).get(reverse("report-list")).json()["results"]
    }
    assert own.pk in ids and other.pk not in ids
    response = api_client(world.officer).get(reverse("report-detail", args=[other.pk]))
    assert response.status_code == 404


def test_special_category_reports_are_visible_only_to_analysts_and_managers(world):
    source = make_source(world, world.general, handler=world.handler)
    report = make_report(
        world, world.general, submitter=world.analyst2, special=True, source=source
    )
    url = reverse("report-detail", args=[report.pk])
    assert api_client(world.analyst).get(url).status_code == 200
    assert api_client(world.manager).get(url).status_code == 200
    # the handler would see the source's other reports, but not this one
    assert api_client(world.handler).get(url).status_code == 404
    plain = make_report(world, world.general, submitter=world.analyst2, source=source)
    assert (
        api_client(world.handler).get(reverse("report-detail", args=[plain.pk])).status_code == 200
    )


def test_drafts_are_edited_and_submitted_by_their_author_only(world):
    client = api_client(world.officer)
    body = client.post(reverse("report-list"), _payload(world), format="json").json()
    assert body["status"] == "draft"
    url = reverse("report-detail", args=[body["id"]])
    assert api_client(world.analyst).get(url).status_code == 404  # others' drafts are private
    response = client.patch(url, {"place_name": "St Pauls"}, format="json")
    assert response.status_code == 200 and response.json()["place_name"] == "St Pauls"
    response = client.post(reverse("report-submit", args=[body["id"]]))
    assert response.json()["status"] == "submitted"
    assert client.patch(url, {"place_name": "x"}, format="json").status_code == 403


def test_writing_a_report_into_a_compartment_one_does_not_hold_saves_nothing(world):
    before = Report.objects.count()
    response = api_client(world.analyst2).post(
        reverse("report-list"), _payload(world, compartment="restricted"), format="json"
    )
    assert response.status_code == 400
    assert Report.objects.count() == before


def test_the_report_list_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(12):
        make_report(world, world.general)
    client = api_client(world.analyst)
    client.get(reverse("report-list"))  # warm the permission caches of the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("report-list"))
    assert len(response.json()["results"]) == 12


def test_a_retention_review_retains_with_a_reason_and_next_date(world):
    report = make_report(world)
    url = reverse("report-review", args=[report.pk])
    response = api_client(world.manager).post(url, {"decision": "retain", "reason": "Active"})
    assert response.status_code == 400 and "next_review_due" in response.json()
    response = api_client(world.manager).post(
        url,
        {"decision": "retain", "reason": "Active investigation", "next_review_due": "2031-01-01"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["review_due"] == "2031-01-01"
    assert (
        api_client(world.officer).post(url, {"decision": "erase", "reason": "x"}).status_code == 403
    )
