"""Sharing up: a report disseminated to another unit arrives in its intake as a new report
with provenance, is evaluated again there, and the originator's conditions hold downstream."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from intelligence import provenance
from intelligence.models import ORIGINATOR_CONSENT, Provenance, Report
from intelligence.services.reports import evaluate_report
from sharing.models import Share
from tests.intelligence.helpers import as_user, make_report
from tests.sharing.helpers import build_levels, share
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world):
    return build_levels(world)


def test_a_shared_report_lands_in_the_receiving_intake_with_provenance_and_both_events(
    world, levels, login
):
    report = make_report(world, sanitised="Cocaine moved through the port on Tuesdays.")
    sent = share(report, world.analyst, levels.national, conditions=[ORIGINATOR_CONSENT])

    received = Report.objects.get(pk=sent.received_report_id)
    assert received.compartment == levels.national_intake
    assert received.status == "submitted" and received.owning_unit == levels.national
    # The sanitised text travels (the original named the source).
    assert received.text == "Cocaine moved through the port on Tuesdays."
    origin = Provenance.objects.get(report=received)
    assert origin.originating_unit == levels.intel and origin.original_reference == report.urn
    assert origin.grading_as_given.startswith("2B P") and origin.conditions == [ORIGINATOR_CONSENT]

    disclosure = AuditEvent.objects.get(action=Action.DISCLOSE, object_id=str(report.pk))
    assert disclosure.recipient == levels.national.name and disclosure.compartment == "general"
    assert disclosure.details["legal_basis"] == "DPA 2018 s.35"
    collection = AuditEvent.objects.get(
        action=Action.CREATE, object_type="intelligence.report", object_id=str(received.pk)
    )
    assert collection.compartment == "national"

    # The national analyst finds it in the intake, with its provenance, and grades it again.
    page = login(levels.national_analyst).get(received.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert report.urn in body and levels.intel.name in body
    with as_user(levels.national_analyst):
        evaluate_report(
            received,
            actor=levels.national_analyst,
            grading_data={"source_evaluation": "3", "intelligence_assessment": "C"},
            sanitised_text=received.text,
        )
    received.refresh_from_db()
    assert (received.source_evaluation, received.status) == ("3", "evaluated")

    # Onward sharing is refused until the originator's consent is recorded.
    north_before = Report.objects.filter(compartment=levels.north_intake).count()
    with pytest.raises(ValidationError) as refused:
        share(received, levels.national_analyst, levels.north)
    assert refused.value.code == ORIGINATOR_CONSENT
    assert Report.objects.filter(compartment=levels.north_intake).count() == north_before
    assert AuditEvent.objects.filter(
        action=Action.DISCLOSE, object_id=str(received.pk), outcome=Outcome.DENIED
    ).exists()
    with as_user(levels.national_analyst):
        provenance.record_consent(received, actor=levels.national_analyst, note="Agreed by DI Lee")
    onward = share(received, levels.national_analyst, levels.north)
    assert onward.received_report.compartment == levels.north_intake


def test_the_sender_sees_the_risk_assessment_and_the_receiver_only_what_arrived(world, levels):
    hidden = make_report(world, world.restricted, sanitised="Restricted sanitised ZQMARK")
    sent = share(hidden, world.analyst, levels.national, risk_assessment="Source exposure ZQRISK")
    sender = api_client(world.analyst).get(f"/api/v1/shares/{sent.pk}/").json()
    assert sender["report"] == hidden.pk and sender["risk_assessment"] == "Source exposure ZQRISK"
    # The national analyst holds the national intake, not ``restricted``.
    answer = api_client(levels.national_analyst).get(f"/api/v1/shares/{sent.pk}/")
    assert answer.status_code == 200
    receiver = answer.json()
    assert receiver["report"] is None and receiver["risk_assessment"] is None
    assert receiver["received_report"] == sent.received_report_id
    assert "ZQRISK" not in answer.content.decode()
    # analyst2 holds neither side.
    assert api_client(world.analyst2).get(f"/api/v1/shares/{sent.pk}/").status_code == 404


def test_refusals_name_their_fields_and_save_nothing(world, levels):
    report = make_report(world)
    before = (Share.objects.count(), Report.objects.count())
    with pytest.raises(ValidationError) as refused:
        share(
            report,
            world.analyst,
            world.analyst.unit,
            risk_to_source="high",
            legal_basis=" ",
            send_original=False,
            conditions=["no_such_condition"],
        )
    assert {"to_unit", "risk_to_source", "legal_basis", "conditions"} <= set(
        refused.value.message_dict
    )
    # 5x5x5 code 4: only within the originating agency.
    blocked = make_report(
        world,
        grading_scheme="5x5x5",
        source_evaluation="B",
        intelligence_assessment="2",
        handling_code="4",
        handling_conditions="Only within the force.",
    )
    with pytest.raises(ValidationError) as refused:
        share(blocked, world.analyst, levels.national, conditions_acknowledged=True)
    assert "handling_code" in refused.value.message_dict
    # The original may not travel under C.
    conditional = make_report(world, handling_code="C", handling_conditions="Police only.")
    with pytest.raises(ValidationError) as refused:
        share(conditional, world.analyst, levels.national, send_original=True)
    assert "send_original" in refused.value.message_dict
    assert (Share.objects.count(), Report.objects.count()) == (before[0], before[1] + 2)


def test_an_analyst_shares_through_the_form_and_the_lists_show_each_side(world, levels, login):
    report = make_report(world)
    client = login(world.analyst)
    page = client.get(reverse("sharing:share_report", args=[report.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("sharing:share_report", args=[report.pk]),
        {
            "to_unit": levels.north.pk,
            "risk_to_source": "low",
            "risk_to_operation": "none",
            "risk_to_person": "none",
            "legal_basis": "DPA 2018 s.35",
            "conditions": ["law_enforcement_only"],
        },
    )
    sent = Share.objects.get()
    assert response.status_code == 302 and response.url == sent.get_absolute_url()
    assert sent.reference in client.get(reverse("sharing:list") + "?side=sent").content.decode()
    regional = login(levels.regional_analyst)
    listed = regional.get(reverse("sharing:list") + "?side=received").content.decode()
    assert sent.reference in listed
    detail = regional.get(sent.get_absolute_url()).content.decode()
    assert sent.received_report.urn in detail


def test_an_approved_product_is_shared_and_arrives_ungraded_for_evaluation(world, levels):
    from tests.security.references import _approved_product

    product = _approved_product(world)
    sent = api_client(world.analyst).post(
        "/api/v1/shares/",
        {
            "product": product.pk,
            "to_unit": levels.national.pk,
            "risk_to_source": "none",
            "risk_to_operation": "low",
            "risk_to_person": "none",
            "legal_basis": "DPA 2018 s.35",
        },
        format="json",
    )
    assert sent.status_code == 201, sent.content
    # The sender does not hold the national intake: the report received there reads as null.
    assert sent.json()["received_report"] is None and sent.json()["product"] == product.pk
    received = Report.objects.get(pk=Share.objects.get(pk=sent.json()["id"]).received_report_id)
    assert received.compartment == levels.national_intake and received.status == "submitted"
    assert product.title in received.text and received.source_evaluation == ""
    assert Provenance.objects.get(report=received).original_reference == product.reference
    assert AuditEvent.objects.filter(
        action=Action.DISCLOSE, object_type="analysis.product", object_id=str(product.pk)
    ).exists()
    neither = api_client(world.analyst).post(
        "/api/v1/shares/",
        {
            "to_unit": levels.national.pk,
            "risk_to_source": "none",
            "risk_to_operation": "none",
            "risk_to_person": "none",
            "legal_basis": "DPA 2018 s.35",
        },
        format="json",
    )
    assert neither.status_code == 400 and "report" in neither.json()


def test_an_approved_products_page_offers_sharing_to_those_who_may_share(world, login):
    from analysis.services.products.workflow import create_product
    from tests.security.references import _approved_product

    product = _approved_product(world)
    with as_user(world.analyst):
        draft = create_product(
            actor=world.analyst,
            data={"kind": "problem_profile", "title": "Draft", "compartment": world.general},
        )
    share_url = reverse("sharing:share_product", args=[product.pk])
    analyst = login(world.analyst)
    page = analyst.get(reverse("analysis:product_detail", args=[product.pk])).content.decode()
    assert f'href="{share_url}"' in page
    draft_page = analyst.get(reverse("analysis:product_detail", args=[draft.pk])).content.decode()
    assert "Share with another unit" not in draft_page
    # The oversight role reads no products; an officer holds no sharing permission.
    assert analyst.get(share_url).status_code == 200


def test_a_product_citing_a_report_held_for_its_originators_consent_is_not_shared(world, levels):
    from analysis.services.products.citations import cite
    from analysis.services.products.workflow import (
        approve_product,
        create_product,
        submit_product,
    )
    from sharing import services

    received = make_report(world)
    provenance.record_received(
        received,
        channel="unit_share",
        originator="Avon regional unit",
        originating_unit=levels.north,
        original_reference="IR-2026-900001",
        grading_as_given="B2",
        conditions=[ORIGINATOR_CONSENT],
        actor=world.analyst,
    )
    with as_user(world.analyst):
        product = create_product(
            actor=world.analyst,
            data={"kind": "problem_profile", "title": "Supply", "compartment": world.general},
        )
        cite(product, actor=world.analyst, kind="report", target_id=received.pk)
        submit_product(product, actor=world.analyst)
    with as_user(world.manager):
        approve_product(product, actor=world.manager)
    data = {
        "to_unit": levels.national,
        "risk_to_source": "none",
        "risk_to_operation": "none",
        "risk_to_person": "none",
        "legal_basis": "DPA 2018 s.35",
    }
    with as_user(world.analyst), pytest.raises(ValidationError) as refused:
        services.share_product(product, actor=world.analyst, **data)
    assert "Avon regional unit allowed no onward sharing" in str(refused.value.message_dict)
    assert not Share.objects.exists()
    with as_user(world.analyst):
        provenance.record_consent(received, actor=world.analyst, note="Agreed by phone")
        assert services.share_product(product, actor=world.analyst, **data).pk
