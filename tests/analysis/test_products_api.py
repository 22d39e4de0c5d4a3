"""The products API: generic access tests, the whole workflow, and the rules as 400/403/404."""

import pytest
from django.urls import reverse

from analysis.models import Dissemination, Product
from analysis.services.products.workflow import create_product
from audit.models import AuditEvent
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db


def _url(name, product=None):
    if product is None:
        return reverse(f"product-{name}")
    return reverse(f"product-{name}", args=[product.pk])


class TestProductAPIAccess(RestrictedAPITests):
    basename = "product"
    allowed_role = "analyst"
    denied_roles = ("oversight", "officer", "handler")
    outsider = "analyst2"

    update_body = {"title": "Changed by someone without the compartment"}

    def make_record(self, world, compartment):
        with as_user(world.analyst):
            return create_product(
                actor=world.analyst,
                data={"kind": "strategic", "title": "Area picture", "compartment": compartment},
            )

    def create_body(self, world):
        return {"kind": "strategic", "title": "Area picture"}


def test_the_whole_workflow_through_the_api(world, product_job):
    report = make_report(world)
    job = product_job()
    analyst = api_client(world.analyst)
    response = analyst.post(
        _url("list"),
        {
            "kind": "problem_profile",
            "title": "Burglary in Easton",
            "terms_of_reference": "Tactical meeting, 3 months.",
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert body["status"] == "draft" and body["compartment"] == "general"
    assert [s["key"] for s in body["sections"]][:3] == ["summary", "pattern", "hotspots"]

    sections = body["sections"]
    sections[0]["body"] = "Burglary rose 20% in Easton."
    response = analyst.patch(_url("detail", product), {"sections": sections}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["sections"][0]["body"] == "Burglary rose 20% in Easton."

    for kind, target in (("report", report.pk), ("job", job.pk)):
        response = analyst.post(_url("cite", product), {"kind": kind, "id": target}, format="json")
        assert response.status_code == 201, response.content
    cited = analyst.get(_url("detail", product)).json()["citations"]
    assert cited[0]["snapshot"]["grading"]["code"] == "2B"  # 3x5x2: source first
    assert cited[1]["snapshot"]["charts"][0]["image"].startswith("data:image/svg+xml;base64,")

    assert analyst.post(_url("submit", product)).status_code == 200
    manager = api_client(world.manager)
    response = manager.post(_url("approve", product))
    assert response.status_code == 200, response.content
    assert response.json()["number"] == 1 and response.json()["hash_intact"] is True

    response = manager.post(
        _url("disseminate", product),
        {"recipient": "Avon CSP analyst", "legal_basis": "CDA 1998 s115", "purpose": "POP"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    assert AuditEvent.objects.filter(
        action="disclose", object_id=str(product.pk), recipient="Avon CSP analyst"
    ).exists()

    response = manager.get(_url("export", product), {"fmt": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", actor=world.manager).exists()

    versions = manager.get(_url("versions", product)).json()["results"]
    assert [v["number"] for v in versions] == [1]
    assert versions[0]["content"]["citations"][0]["snapshot"]["urn"] == report.urn
    listed = manager.get(_url("disseminations", product)).json()["results"]
    assert listed[0]["recipient"] == "Avon CSP analyst"


def test_bad_input_answers_400_naming_each_field(world):
    analyst = api_client(world.analyst)
    response = analyst.post(
        _url("list"),
        {"kind": "sonnet", "title": "", "compartment": "nowhere"},
        format="json",
    )
    assert response.status_code == 400
    assert {"kind", "title", "compartment"} <= set(response.json())
    response = analyst.post(
        _url("list"),
        {"kind": "strategic", "title": "T", "compartment": "general", "handling_code": "C"},
        format="json",
    )
    assert response.status_code == 400
    assert "handling_conditions" in response.json()
    response = analyst.post(
        _url("list"),
        {"kind": "strategic", "title": "T", "compartment": "general", "handling_code": "Z"},
        format="json",
    )
    assert response.status_code == 400 and "handling_code" in response.json()
    assert not Product.objects.exists()


def test_a_compartment_the_caller_does_not_hold_is_a_bad_field(world):
    response = api_client(world.analyst2).post(
        _url("list"),
        {"kind": "strategic", "title": "T", "compartment": "restricted"},
        format="json",
    )
    assert response.status_code == 400 and "compartment" in response.json()


def test_citing_bad_input_names_the_field(world, product_draft):
    product = product_draft()
    analyst = api_client(world.analyst)
    response = analyst.post(_url("cite", product), {"kind": "memo", "id": "x"}, format="json")
    assert response.status_code == 400
    assert {"kind", "id"} <= set(response.json())


def test_the_compartment_rule_answers_400_naming_the_item(world, product_draft):
    report = make_report(world, world.restricted)
    product = product_draft()
    response = api_client(world.analyst).post(
        _url("cite", product), {"kind": "report", "id": report.pk}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["id"][0]
    assert report.urn in message and "restricted" in message and "general" in message


def test_citing_material_outside_the_callers_compartments_answers_404_and_is_logged(
    world, product_draft
):
    hidden = make_entity(world, world.restricted, name="Hidden Person")
    product = product_draft(author=world.analyst2)
    response = api_client(world.analyst2).post(
        _url("cite", product), {"kind": "entity", "id": hidden.pk}, format="json"
    )
    assert response.status_code == 404
    assert "Hidden Person" not in response.content.decode()
    assert AuditEvent.objects.filter(
        action="denied", actor=world.analyst2, object_id=str(hidden.pk)
    ).exists()


def test_the_author_cannot_approve_and_an_analyst_has_no_approval_role(world, product_draft):
    product = product_draft()
    api_client(world.analyst).post(_url("submit", product))
    assert api_client(world.analyst).post(_url("approve", product)).status_code == 403
    assert api_client(world.analyst2).post(_url("approve", product)).status_code == 403
    product.refresh_from_db()
    assert product.status == "in_review" and not product.versions.exists()


def test_the_handling_rule_refuses_submission_with_400(world, product_draft):
    report = make_report(world, handling_code="C", handling_conditions="Partners only")
    product = product_draft()
    analyst = api_client(world.analyst)
    analyst.post(_url("cite", product), {"kind": "report", "id": report.pk}, format="json")
    body = analyst.get(_url("detail", product)).json()
    assert body["handling_problems"] and report.urn in body["handling_problems"][0]
    response = analyst.post(_url("submit", product))
    assert response.status_code == 400
    assert report.urn in response.json()["handling_code"][0]


def test_an_approved_version_is_frozen_and_edits_start_the_next(world, product_draft):
    product = product_draft()
    analyst, manager = api_client(world.analyst), api_client(world.manager)
    analyst.post(_url("submit", product))
    first_hash = manager.post(_url("approve", product)).json()["content_hash"]
    response = analyst.patch(_url("detail", product), {"title": "Second thoughts"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "draft" and response.json()["version"] == 2
    versions = manager.get(_url("versions", product)).json()["results"]
    assert len(versions) == 1 and versions[0]["content"]["title"] == "Burglary in Easton"
    assert versions[0]["content_hash"] == first_hash


def test_return_needs_a_comment_and_reaches_the_author(world, product_draft):
    product = product_draft()
    api_client(world.analyst).post(_url("submit", product))
    manager = api_client(world.manager)
    response = manager.post(_url("return", product), {}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    response = manager.post(
        _url("return", product), {"comment": "Cite the hotspots."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["review_comment"] == "Cite the hotspots."


def test_a_refused_dissemination_answers_400_and_keeps_its_refusal_logged(world, product_draft):
    product = product_draft(handling_scheme="5x5x5", handling_code="5", handling_conditions="No")
    api_client(world.analyst).post(_url("submit", product))
    manager = api_client(world.manager)
    manager.post(_url("approve", product))
    response = manager.post(
        _url("disseminate", product),
        {"recipient": "Council", "legal_basis": "s115"},
        format="json",
    )
    assert response.status_code == 400 and "handling_code" in response.json()
    assert not Dissemination.objects.exists()
    assert AuditEvent.objects.filter(action="disclose", outcome="denied").exists()
    response = manager.post(_url("disseminate", product), {"recipient": ""}, format="json")
    assert response.status_code == 400 and {"recipient", "legal_basis"} <= set(response.json())


def test_export_needs_a_justification_and_names_a_bad_format(world, product_draft):
    product = product_draft()
    response = api_client(world.analyst, justification=None).get(_url("export", product))
    assert response.status_code == 428
    response = api_client(world.analyst).get(_url("export", product), {"fmt": "docx"})
    assert response.status_code == 400 and "fmt" in response.json()


def test_a_product_outside_the_callers_compartments_is_404_for_every_action(world, product_draft):
    hidden = product_draft(compartment=world.restricted)
    outsider = api_client(world.analyst2)
    for name in ("submit", "cite", "revise"):
        assert outsider.post(_url(name, hidden), {}, format="json").status_code == 404
    assert outsider.get(_url("export", hidden)).status_code == 404
    assert outsider.get(_url("versions", hidden)).status_code == 404
    assert outsider.patch(_url("detail", hidden), {"title": "x"}, format="json").status_code == 404


def test_the_list_filters_by_kind_status_and_compartment(world, product_draft):
    strategic = product_draft(kind="strategic")
    profile = product_draft()
    hidden = product_draft(compartment=world.restricted)
    analyst = api_client(world.analyst)
    ids = {r["id"] for r in analyst.get(_url("list"), {"kind": "strategic"}).json()["results"]}
    assert ids == {strategic.pk}
    rows = analyst.get(_url("list"), {"compartment": "restricted"}).json()["results"]
    assert {r["id"] for r in rows} == {hidden.pk}
    rows = analyst.get(_url("list"), {"status": "draft"}).json()["results"]
    assert {r["id"] for r in rows} == {strategic.pk, profile.pk, hidden.pk}
