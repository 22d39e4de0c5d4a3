"""Product exports: a real PDF with the marking on every page, a standalone HTML page, audited."""

import re
import zlib

import pytest
from django.utils import formats, timezone

from analysis.services.products import content
from analysis.services.products.citations import cite
from analysis.services.products.export import export_product
from analysis.services.products.workflow import approve_product, submit_product, update_product
from audit.models import AuditEvent
from tests.analysis.pdf_pages import page_texts
from tests.intelligence.helpers import as_user, make_report

pytestmark = pytest.mark.django_db


def _long_approved_product(world, product_draft, product_job):
    """A product long enough to span several pages, citing a C report and a job result."""
    report = make_report(world, handling_code="C", handling_conditions="Avon partners only")
    product = product_draft(handling_code="C", handling_conditions="Avon partners only")
    body = "\n\n".join(f"Paragraph {n}: burglary pattern in Easton continues." for n in range(15))
    sections = [{**s, "body": body} for s in product.sections]
    with as_user(world.analyst):
        update_product(product, actor=world.analyst, data={"sections": sections})
        cite(product, actor=world.analyst, kind="report", target_id=report.pk)
        cite(product, actor=world.analyst, kind="job", target_id=product_job().pk)
        submit_product(product, actor=world.analyst)
    with as_user(world.manager):
        approve_product(product, actor=world.manager)
    return product, report


def _pdf_page_count(data: bytes) -> int:
    """Pages in the PDF file itself: page objects, inside compressed object streams too."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", chunk)) for chunk in chunks)


def test_the_pdf_carries_the_marking_and_gradings_on_every_page(
    world, product_draft, product_job, product_pdf_layouts
):
    product, report = _long_approved_product(world, product_draft, product_job)
    with as_user(world.manager):
        data, filename, mime = export_product(product, actor=world.manager, fmt="pdf")
    assert data.startswith(b"%PDF")
    assert filename == f"{product.reference}-v1.pdf" and mime == "application/pdf"
    document = product_pdf_layouts[-1]
    pages = page_texts(document)
    assert len(pages) >= 3
    assert _pdf_page_count(data) == len(pages)
    marking = content.marking("3x5x2", "C", "General")
    assert "HANDLING C (3x5x2)" in marking and "COMPARTMENT: General" in marking
    for number, text in enumerate(pages, start=1):
        # Header and footer each carry the marking.
        assert text.count("HANDLING C (3x5x2)") >= 2, f"page {number} unmarked"
        assert "COMPARTMENT: General" in text, f"page {number} lacks the compartment"
        assert re.search(rf"Page\s+{number}\s+of\s+{len(pages)}\b", text)
    everything = " ".join(pages)
    # The grade in its scheme's order (3x5x2: source 2, intelligence B is "2B") with its words.
    flat = " ".join(everything.split())
    assert f"Report {report.urn}" in everything and "2B" in everything
    assert "intelligence assessment B: Known indirectly to the source but corroborated" in flat
    assert "covert source X" not in everything
    assert "Hot cells" in everything


def test_an_export_is_audited_with_format_version_and_hash(world, product_draft, product_job):
    product, _report = _long_approved_product(world, product_draft, product_job)
    version = product.versions.get()
    with as_user(world.manager):
        export_product(product, actor=world.manager, fmt="html", number=1)
    event = AuditEvent.objects.filter(action="export", object_id=str(product.pk)).latest("id")
    assert event.actor == world.manager
    assert event.details["format"] == "html" and event.details["version"] == 1
    assert event.details["content_hash"] == version.content_hash


def test_the_html_export_stands_alone_with_the_marking_at_top_and_bottom(
    world, product_draft, product_job
):
    product, report = _long_approved_product(world, product_draft, product_job)
    with as_user(world.manager):
        data, filename, mime = export_product(product, actor=world.manager, fmt="html")
    html = data.decode()
    assert filename.endswith(".html") and mime.startswith("text/html")
    marking = content.marking("3x5x2", "C", "General")
    first, last = html.find(marking), html.rfind(marking)
    assert first != -1 and first < html.find("<h1>") < last
    assert "<link" not in html  # styles are inlined: the file opens anywhere
    assert "<script" not in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert report.urn in html and ">2B</span>" in html


def test_a_frozen_version_is_exported_as_approved_even_after_new_edits(
    world, product_draft, product_job
):
    product, _report = _long_approved_product(world, product_draft, product_job)
    with as_user(world.analyst):
        update_product(product, actor=world.analyst, data={"title": "Renamed later"})
    with as_user(world.analyst):
        data, filename, _mime = export_product(product, actor=world.analyst, fmt="html", number=1)
    html = data.decode()
    assert "Burglary in Easton" in html and "Renamed later" not in html
    assert filename.endswith("-v1.html")
    # The approval time in the language's one shape (as on the pages), not the snapshot's text.
    approved = product.versions.get(number=1).approved_at
    shown = formats.date_format(timezone.localtime(approved), "SHORT_DATETIME_FORMAT")
    assert re.search(rf"approved by \S.* {re.escape(shown)} · sha256", html), html[:600]
    assert approved.isoformat()[:16] not in html


def test_a_draft_export_says_it_is_not_approved(world, product_draft):
    product = product_draft()
    with as_user(world.analyst):
        data, _name, _mime = export_product(product, actor=world.analyst, fmt="html")
    assert "WORKING COPY: NOT APPROVED" in data.decode()


def test_an_unknown_format_or_version_is_refused_naming_the_field(world, product_draft):
    from django.core.exceptions import ValidationError

    product = product_draft()
    with pytest.raises(ValidationError) as refused:
        export_product(product, actor=world.analyst, fmt="docx")
    assert "fmt" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        export_product(product, actor=world.analyst, fmt="pdf", number=7)
    assert "version" in refused.value.message_dict
    assert not AuditEvent.objects.filter(action="export").exists()
