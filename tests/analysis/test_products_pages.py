"""Product pages: the whole workflow in the browser, what each role sees, lists and panels."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analysis.home_products import product_panels
from analysis.models import Dissemination, Product
from analysis.services.products.citations import cite
from analysis.services.products.workflow import submit_product
from audit.models import AuditEvent
from tests.intelligence.helpers import as_user, make_entity, make_report

pytestmark = pytest.mark.django_db


def _create_form(world, **overrides):
    return {
        "kind": "problem_profile",
        "title": "Burglary in Easton",
        "terms_of_reference": "Tactical meeting: three months, Easton ward.",
        "compartment": world.general.pk,
        "handling_scheme": "3x5x2",
        "handling_code": "3x5x2:P",
        "handling_conditions": "",
        **overrides,
    }


def _assert_no_inline_script(body: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert not re.search(r"\son[a-z]+=", body)


def test_an_analyst_writes_cites_and_submits_and_a_manager_approves_and_disseminates(
    world, login, product_job, client
):
    report = make_report(world)
    job = product_job()
    client = login(world.analyst)
    response = client.get(reverse("analysis:product_create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'for="id_terms_of_reference"' in body and "PESTELO" in body
    _assert_no_inline_script(body)

    response = client.post(reverse("analysis:product_create"), _create_form(world))
    product = Product.objects.get()
    assert response.status_code == 302 and response.url == product.get_absolute_url()

    edit_url = reverse("analysis:product_edit", args=[product.pk])
    body = client.get(edit_url).content.decode()
    assert "Pattern" in body and "times and methods" in body  # section with its guidance
    _assert_no_inline_script(body)
    form = {
        "title": product.title,
        "terms_of_reference": product.terms_of_reference,
        "compartment": world.general.pk,
        "handling_scheme": "3x5x2",
        "handling_code": "3x5x2:P",
        "handling_conditions": "",
        **{f"section_{s['key']}": "" for s in product.sections},
        "section_pattern": "Dwelling burglary up 20% since June, evenings.",
    }
    assert client.post(edit_url, form).status_code == 302

    search = client.get(
        reverse("analysis:product_cite_search", args=[product.pk]),
        {"kind": "report", "q": report.urn[-6:]},
        HTTP_HX_REQUEST="true",
    )
    assert report.urn in search.content.decode()
    assert AuditEvent.objects.filter(action="search", actor=world.analyst).exists()
    cite_url = reverse("analysis:product_cite", args=[product.pk])
    client.post(cite_url, {"kind": "report", "id": report.pk})
    detail = client.get(product.get_absolute_url()).content.decode()
    assert f"#{job.pk}" in detail  # the analyst's succeeded analyses are offered
    client.post(cite_url, {"kind": "job", "id": job.pk})
    assert product.citations.count() == 2

    detail = client.get(product.get_absolute_url()).content.decode()
    assert "Dwelling burglary up 20% since June" in detail
    assert ">2B</span>" in detail  # the cited report's 3x5x2 grade, source first
    assert "Alan Smith is dealing drugs at a pub in Easton." in detail
    assert "covert source X" not in detail
    assert "data:image/svg+xml;base64," in detail and "Hot cells" in detail
    _assert_no_inline_script(detail)
    client.post(reverse("analysis:product_submit", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == "in_review"

    client = login(world.manager)
    body = client.get(product.get_absolute_url()).content.decode()
    assert reverse("analysis:product_approve", args=[product.pk]) in body
    client.post(reverse("analysis:product_approve", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == "approved" and product.versions.get().number == 1

    disseminate_url = reverse("analysis:product_disseminate", args=[product.pk])
    body = client.get(disseminate_url).content.decode()
    assert 'for="id_legal_basis"' in body
    response = client.post(
        disseminate_url,
        {"recipient": "Avon CSP", "legal_basis": "CDA 1998 s115", "purpose": "POP"},
    )
    assert response.status_code == 302
    assert Dissemination.objects.get().recipient == "Avon CSP"
    assert AuditEvent.objects.filter(action="disclose", recipient="Avon CSP").exists()

    response = client.get(reverse("analysis:product_export", args=[product.pk]), {"fmt": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    version_page = client.get(reverse("analysis:product_version", args=[product.pk, 1]))
    assert "content matches its hash" in version_page.content.decode()


def test_the_author_sees_no_approve_button_and_posting_it_changes_nothing(
    world, login, product_draft
):
    product = product_draft()
    with as_user(world.analyst):
        submit_product(product, actor=world.analyst)
    client = login(world.analyst)
    body = client.get(product.get_absolute_url()).content.decode()
    assert reverse("analysis:product_approve", args=[product.pk]) not in body
    response = client.post(reverse("analysis:product_approve", args=[product.pk]))
    assert response.status_code == 403  # an analyst holds no approval role
    product.refresh_from_db()
    assert product.status == "in_review"


def test_a_form_error_is_shown_beside_its_field_and_nothing_saved(world, login):
    client = login(world.analyst)
    response = client.post(
        reverse("analysis:product_create"), _create_form(world, handling_code="3x5x2:C")
    )
    assert response.status_code == 200
    assert "handling_conditions" in response.context["form"].errors
    assert not Product.objects.exists()


def test_the_handling_warning_shows_while_drafting(world, login, product_draft):
    report = make_report(world, handling_code="C", handling_conditions="Partners only")
    product = product_draft()
    with as_user(world.analyst):
        cite(product, actor=world.analyst, kind="report", target_id=report.pk)
    body = login(world.analyst).get(product.get_absolute_url()).content.decode()
    assert "Handling code too permissive" in body and report.urn in body


def test_citing_outside_the_compartment_is_an_error_message_and_outside_reach_a_404(
    world, login, product_draft
):
    product = product_draft()
    other = make_entity(world, world.restricted, name="Restricted Person")
    client = login(world.analyst)
    response = client.post(
        reverse("analysis:product_cite", args=[product.pk]),
        {"kind": "entity", "id": other.pk},
        follow=True,
    )
    assert "Restricted Person" in response.content.decode() and "restricted" in str(
        list(response.context["messages"])
    )
    assert not product.citations.exists()

    own = product_draft(author=world.analyst2)
    client = login(world.analyst2)
    response = client.post(
        reverse("analysis:product_cite", args=[own.pk]), {"kind": "entity", "id": other.pk}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="denied", actor=world.analyst2, object_id=str(other.pk)
    ).exists()


def test_a_product_outside_the_users_compartments_is_404(world, login, product_draft):
    hidden = product_draft(compartment=world.restricted)
    client = login(world.analyst2)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("analysis:product_edit", args=[hidden.pk])).status_code == 404
    export = reverse("analysis:product_export", args=[hidden.pk])
    assert client.get(export).status_code == 404


def test_the_list_filters_and_pages_without_a_query_per_row(world, login, product_draft):
    for n in range(30):
        product_draft(title=f"Profile {n}", kind="strategic" if n % 2 else "problem_profile")
    hidden = product_draft(compartment=world.restricted, title="Hidden profile")
    client = login(world.analyst2)
    url = reverse("analysis:product_list")
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200 and hidden.reference not in body
    assert len(response.context["page"].items) == 25 and response.context["page"].next_cursor
    _assert_no_inline_script(body)
    response = client.get(url, {"cursor": response.context["page"].next_cursor})
    assert len(response.context["page"].items) == 5
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(url, {"kind": "strategic", "status": "draft"})
    assert {p.kind for p in response.context["page"].items} == {"strategic"}
    assert len(response.context["page"].items) == 15
    # The same fixed number of queries whatever the page holds (no query per row).
    assert len(first.captured_queries) == len(filtered.captured_queries) <= 14
    listed = AuditEvent.objects.filter(action="list", actor=world.analyst2).latest("id")
    assert len(listed.details["ids"]) == 15


def test_a_returned_draft_shows_the_comment_and_the_home_panels_point_to_the_work(
    world, login, product_draft
):
    product = product_draft()
    with as_user(world.analyst):
        submit_product(product, actor=world.analyst)
    manager_panels = {p.title: p for p in product_panels(world.manager)}
    assert manager_panels["Products to approve"].count == 1
    assert product.reference in manager_panels["Products to approve"].items[0][0]
    assert not any(p.title == "Products to approve" for p in product_panels(world.analyst))

    client = login(world.manager)
    client.post(reverse("analysis:product_return", args=[product.pk]), {"comment": "Add victims."})
    product.refresh_from_db()
    assert product.status == "draft"
    analyst_panels = {p.title: p for p in product_panels(world.analyst)}
    drafts = analyst_panels["My product drafts"]
    assert drafts.count == 1 and drafts.tone == "danger" and "returned" in drafts.note
    body = login(world.analyst).get(product.get_absolute_url()).content.decode()
    assert "Returned for changes" in body and "Add victims." in body
