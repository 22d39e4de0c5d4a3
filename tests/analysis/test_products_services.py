"""Product services: templates, citations and their rules, the workflow, versions, disclosure."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from analysis.models import Dissemination, Product, ProductVersion
from analysis.services.products.citations import cite, sanitise_svg
from analysis.services.products.content import content_hash, handling_problems, handling_rank
from analysis.services.products.dissemination import disseminate_product
from analysis.services.products.workflow import (
    approve_product,
    create_product,
    return_product,
    submit_product,
    update_product,
)
from audit.models import AuditEvent
from ilp_platform.accounts.models import User
from tests.intelligence.helpers import as_user, make_entity, make_report

pytestmark = pytest.mark.django_db


def _cite(product, user, kind, target):
    with as_user(user):
        return cite(product, actor=user, kind=kind, target_id=target.pk)


def _approve(product, world, approver=None):
    approver = approver or world.manager
    with as_user(product.author):
        submit_product(product, actor=product.author)
    with as_user(approver):
        return approve_product(product, actor=approver)


def test_each_kind_starts_with_its_standard_sections(world, product_draft):
    strategic = product_draft(kind="strategic")
    keys = [s["key"] for s in strategic.sections]
    for key in ("political", "economic", "social", "technological", "environmental", "legal"):
        assert key in keys
    assert "organisational" in keys and "recommendations" in keys
    assert "intelligence_requirements" in keys
    subject = [s["key"] for s in product_draft(kind="subject_profile").sections]
    assert {"criminal_activity", "lifestyle_geography", "lifestyle_communications"} <= set(subject)
    assert {"lifestyle_finance", "associates", "strengths_weaknesses", "risks"} <= set(subject)
    assert "intelligence_gaps" in subject
    problem = [s["key"] for s in product_draft().sections]
    assert problem[:5] == ["summary", "pattern", "hotspots", "victims", "offenders"]
    threat = [s["key"] for s in product_draft(kind="threat_assessment").sections]
    assert {"threats", "vulnerabilities", "harm", "likelihood", "outlook"} <= set(threat)
    tactical = [s["key"] for s in product_draft(kind="tactical").sections]
    assert {"priorities_progress", "new_hotspots", "series", "offenders"} <= set(tactical)


def test_creating_a_product_gives_it_a_reference_and_records_the_collection(world, product_draft):
    product = product_draft()
    assert product.reference.startswith("AP-") and product.reference.endswith(f"{product.pk:06d}")
    assert product.status == "draft" and product.version == 1
    event = AuditEvent.objects.get(action="create", object_id=str(product.pk))
    assert event.object_type == "analysis.product" and event.compartment == "general"
    assert event.details["fields"]["sections"].startswith("hmac:")  # content by digest only


def test_bad_input_is_refused_naming_each_field(world):
    with pytest.raises(ValidationError) as refused:
        create_product(
            actor=world.analyst,
            data={
                "kind": "poem",
                "title": " ",
                "compartment": world.general,
                "handling_scheme": "3x5x2",
                "handling_code": "C",
                "handling_conditions": "",
            },
        )
    errors = refused.value.message_dict
    assert set(errors) == {"kind", "title", "handling_conditions"}
    assert "write the handling conditions" in errors["handling_conditions"][0]
    assert not Product.objects.exists()


def test_a_compartment_the_author_does_not_hold_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        create_product(
            actor=world.analyst2,
            data={"kind": "strategic", "title": "X", "compartment": world.restricted},
        )
    assert "compartment" in refused.value.message_dict


def test_a_cited_report_keeps_its_grade_and_sanitised_text_never_the_original(world, product_draft):
    report = make_report(world)
    product = product_draft()
    citation = _cite(product, world.analyst, "report", report)
    snap = citation.snapshot
    assert snap["grading"]["code"] == "2B" and snap["grading"]["scheme"] == "3x5x2"
    assert "Known indirectly to the source but corroborated" in snap["grading"]["in_words"]
    assert snap["handling"]["code"] == "P"
    assert snap["sanitised_text"] == "Alan Smith is dealing drugs at a pub in Easton."
    assert "covert source X" not in str(snap)
    event = AuditEvent.objects.filter(action="link", object_id=str(product.pk)).latest("id")
    assert event.details["target_type"] == "intelligence.report"
    assert event.details["target_id"] == report.pk


def test_material_of_another_compartment_is_refused_naming_the_item_and_both_compartments(
    world, product_draft
):
    report = make_report(world, world.restricted)
    product = product_draft()
    with pytest.raises(ValidationError) as refused:
        _cite(product, world.analyst, "report", report)
    message = refused.value.message_dict["id"][0]
    assert report.urn in message and "restricted" in message and "general" in message
    assert not product.citations.exists()


def test_a_job_must_have_read_exactly_the_products_compartment(world, product_draft, product_job):
    product = product_draft()
    both = product_job([world.general, world.restricted])
    with pytest.raises(ValidationError) as refused:
        _cite(product, world.analyst, "job", both)
    message = refused.value.message_dict["id"][0]
    assert f"#{both.pk}" in message and "general, restricted" in message
    unfinished = product_job(status="running")
    with pytest.raises(ValidationError) as refused:
        _cite(product, world.analyst, "job", unfinished)
    assert "only succeeded analyses" in refused.value.message_dict["id"][0]
    assert not product.citations.exists()


def test_a_cited_job_result_is_frozen_with_its_chart_made_inert(world, product_draft, product_job):
    job = product_job()
    product = product_draft()
    citation = _cite(product, world.analyst, "job", job)
    job.result = {"summary": {"cells": 999}, "tables": [], "charts": []}
    job.save()
    citation.refresh_from_db()
    snap = citation.snapshot
    assert snap["summary"] == {"cells": 4, "hot_99": 1}
    assert snap["tables"][0]["rows"] == [["A1", 12, 3.2], ["B2", 7, 2.1]]
    image = snap["charts"][0]["image"]
    assert image.startswith("data:image/svg+xml;base64,")
    import base64

    svg = base64.b64decode(image.split(",", 1)[1]).decode()
    assert "<rect" in svg and "Gi* 3.2" in svg
    assert "script" not in svg and "onload" not in svg and "example.org" not in svg


def test_material_outside_the_authors_reach_answers_404_and_the_refusal_is_logged(
    world, product_draft
):
    hidden = make_report(world, world.restricted)
    product = product_draft(author=world.analyst2)
    with pytest.raises(Http404):
        _cite(product, world.analyst2, "report", hidden)
    denied = AuditEvent.objects.filter(action="denied", actor=world.analyst2).latest("id")
    assert denied.object_type == "intelligence.report" and denied.object_id == str(hidden.pk)


def test_the_same_material_is_cited_once_and_entities_are_cited_too(world, product_draft):
    entity = make_entity(world)
    product = product_draft()
    citation = _cite(product, world.analyst, "entity", entity)
    assert citation.snapshot["name"] == "Alan Smith"
    with pytest.raises(ValidationError) as refused:
        _cite(product, world.analyst, "entity", entity)
    assert "already cited" in refused.value.message_dict["id"][0]


def test_a_product_less_restrictive_than_its_material_cannot_be_submitted_or_approved(
    world, product_draft
):
    report = make_report(world, handling_code="C", handling_conditions="Avon partners only")
    product = product_draft()
    _cite(product, world.analyst, "report", report)
    problems = handling_problems(product)
    assert len(problems) == 1 and report.urn in problems[0]
    with pytest.raises(ValidationError) as refused, as_user(world.analyst):
        submit_product(product, actor=world.analyst)
    assert "handling_code" in refused.value.message_dict
    product.refresh_from_db()
    assert product.status == "draft"

    with as_user(world.analyst):
        update_product(
            product,
            actor=world.analyst,
            data={"handling_code": "C", "handling_conditions": "Avon partners only"},
        )
        submit_product(product, actor=world.analyst)
    assert product.status == "in_review"


def test_restrictiveness_is_compared_across_schemes():
    assert handling_rank("3x5x2", "C") > handling_rank("3x5x2", "P")
    assert handling_rank("5x5x5", "3") == handling_rank("3x5x2", "C")
    assert handling_rank("4x4", "H3") > handling_rank("4x4", "H2")
    assert handling_rank("5x5x5", "5") == 4 and handling_rank("admiralty", "P") == 0


def test_the_author_cannot_approve_their_own_product(world, product_draft):
    product = product_draft(author=world.analyst)
    # Even holding the approval permission, the author is refused (four eyes).
    world.analyst.user_permissions.add(Permission.objects.get(codename="approve_product"))
    author = User.objects.get(pk=world.analyst.pk)  # fresh permission cache
    assert author.has_perm("analysis.approve_product")
    with as_user(author):
        submit_product(product, actor=author)
        with pytest.raises(PermissionDenied):
            approve_product(product, actor=author)
    assert not ProductVersion.objects.exists()


def test_an_analyst_without_approval_rights_cannot_approve(world, product_draft):
    product = product_draft(author=world.analyst)
    with as_user(world.analyst):
        submit_product(product, actor=world.analyst)
    with pytest.raises(PermissionDenied):
        approve_product(product, actor=world.analyst2)


def test_approval_freezes_a_version_and_later_edits_start_the_next(world, product_draft):
    report = make_report(world)
    product = product_draft()
    _cite(product, world.analyst, "report", report)
    version = _approve(product, world)
    product.refresh_from_db()
    assert product.status == "approved" and product.approved_by == world.manager
    assert version.number == 1
    assert version.content["citations"][0]["snapshot"]["urn"] == report.urn
    assert version.content["approved_by"] == "manager"
    assert version.content_hash == content_hash(version.content)
    assert len(version.content_hash) == 64
    event = AuditEvent.objects.filter(action="update", object_id=str(product.pk)).latest("id")
    assert event.details == {
        "transition": "approve",
        "version": 1,
        "content_hash": version.content_hash,
    }

    with as_user(world.analyst):
        update_product(
            product,
            actor=world.analyst,
            data={"sections": [{"key": "summary", "title": "Summary", "body": "Changed"}]},
        )
    product.refresh_from_db()
    assert product.status == "draft" and product.version == 2 and product.approved_by is None
    frozen = ProductVersion.objects.get(product=product, number=1)
    assert frozen.content["sections"][0]["body"] == ""  # v1 kept as approved
    assert frozen.content_hash == content_hash(frozen.content)

    second = _approve(product, world)
    assert second.number == 2 and second.content["sections"][0]["body"] == "Changed"
    assert list(product.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_product_in_review_cannot_be_edited_and_invalid_transitions_say_why(world, product_draft):
    product = product_draft()
    with pytest.raises(ValidationError) as refused, as_user(world.manager):
        approve_product(product, actor=world.manager)
    assert "Only a product in review" in refused.value.message_dict["status"][0]
    with as_user(world.analyst):
        submit_product(product, actor=world.analyst)
        with pytest.raises(ValidationError) as refused:
            update_product(product, actor=world.analyst, data={"title": "New"})
    assert "in review" in refused.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as refused, as_user(world.manager):
        disseminate_product(product, actor=world.manager, recipient="X", legal_basis="Y")
    assert "Only an approved product" in refused.value.message_dict["status"][0]


def test_a_reviewer_returns_the_product_with_a_comment(world, product_draft):
    product = product_draft()
    with as_user(world.analyst):
        submit_product(product, actor=world.analyst)
    with pytest.raises(ValidationError) as refused, as_user(world.manager):
        return_product(product, actor=world.manager, comment=" ")
    assert "comment" in refused.value.message_dict
    with as_user(world.manager):
        return_product(product, actor=world.manager, comment="Add the victims section.")
    product.refresh_from_db()
    assert product.status == "draft" and product.review_comment == "Add the victims section."
    assert product.version == 1  # not approved yet, so still the same version
    with as_user(world.analyst):
        update_product(product, actor=world.analyst, data={"title": "Better"})
    assert product.status == "draft"


def test_dissemination_records_the_row_and_a_disclosure_event(world, product_draft):
    product = product_draft()
    version = _approve(product, world)
    with as_user(world.manager):
        dissemination = disseminate_product(
            product,
            actor=world.manager,
            recipient="DS Jones, Avon CSP",
            legal_basis="Crime and Disorder Act 1998 s115",
            purpose="Partnership problem-solving",
        )
    product.refresh_from_db()
    assert product.status == "disseminated" and product.disseminated_at is not None
    assert dissemination.version == version
    event = AuditEvent.objects.get(action="disclose", object_id=str(product.pk))
    assert event.recipient == "DS Jones, Avon CSP" and event.outcome == "success"
    assert event.details["legal_basis"] == "Crime and Disorder Act 1998 s115"
    assert event.details["handling_code"] == "P"


def test_a_refused_dissemination_saves_nothing_but_its_refusal_is_logged(world, product_draft):
    product = product_draft(
        handling_scheme="5x5x5", handling_code="4", handling_conditions="Force only"
    )
    _approve(product, world)
    with pytest.raises(ValidationError) as refused, as_user(world.manager):
        disseminate_product(product, actor=world.manager, recipient="Council", legal_basis="s115")
    assert "handling_code" in refused.value.message_dict
    assert not Dissemination.objects.exists()
    event = AuditEvent.objects.get(action="disclose", object_id=str(product.pk))
    assert event.outcome == "denied" and event.recipient == "Council"
    product.refresh_from_db()
    assert product.status == "approved"


def test_conditions_must_be_acknowledged_before_dissemination(world, product_draft):
    product = product_draft(handling_code="C", handling_conditions="Only to Avon partners")
    _approve(product, world)
    with pytest.raises(ValidationError) as refused, as_user(world.manager):
        disseminate_product(product, actor=world.manager, recipient="Council", legal_basis="s115")
    assert "conditions_acknowledged" in refused.value.message_dict
    with as_user(world.manager):
        disseminate_product(
            product,
            actor=world.manager,
            recipient="Council",
            legal_basis="s115",
            conditions_acknowledged=True,
        )
    assert Dissemination.objects.get().conditions_acknowledged


def test_moving_a_product_with_citations_to_another_compartment_is_refused(world, product_draft):
    product = product_draft()
    _cite(product, world.analyst, "report", make_report(world))
    with pytest.raises(ValidationError) as refused, as_user(world.analyst):
        update_product(product, actor=world.analyst, data={"compartment": world.restricted})
    assert "compartment" in refused.value.message_dict
    product.refresh_from_db()
    assert product.compartment == world.general


def test_the_svg_sanitiser_strips_what_could_run_or_reach_out():
    svg = (
        '<svg><script type="text/javascript">x()</script><foreignObject><div>h</div>'
        '</foreignObject><circle onclick="x()" r="2"/><use href="#a"/>'
        "<image xlink:href='http://evil/x.png'/></svg>"
    )
    cleaned = sanitise_svg(svg)
    assert "script" not in cleaned and "foreignObject" not in cleaned
    assert "onclick" not in cleaned and "evil" not in cleaned
    assert 'href="#a"' in cleaned and "<circle" in cleaned


def test_a_version_hash_survives_the_databases_number_forms(world, product_draft, product_job):
    job = product_job()
    job.result["tables"][0]["rows"].append(["C3", 1e20, 2.0])
    job.save()
    product = product_draft()
    _cite(product, world.analyst, "job", job)
    version = _approve(product, world)
    stored = ProductVersion.objects.get(pk=version.pk)
    assert content_hash(stored.content) == stored.content_hash
    tampered = {**stored.content, "title": "Changed afterwards"}
    assert content_hash(tampered) != stored.content_hash
