"""The data-protection officer answers a person: registers an access request for Morgan Ashdown
(named by the demo seed in a report of ``general`` and one of ``restricted``), searches every
compartment, restricts the restricted report under Art. 15(1) and discloses the rest, and
produces the letter. The records stay out of the officer's reach outside the request."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_officer_answers_an_access_request_across_two_compartments(person):
    officer = person("oversight")
    page = officer.page
    officer.nav("Subject requests")
    officer.main.get_by_role("link", name="Register a request").click()
    page.get_by_label(re.compile(r"^Kind")).select_option("access")
    page.get_by_label(re.compile(r"^Name")).fill("Morgan Ashdown")
    page.get_by_label("Date of birth").fill("1988-03-14")
    page.get_by_label(re.compile(r"^Identity checked how")).fill("Passport seen at the counter")
    page.get_by_label(re.compile(r"^Identity checked by")).fill("Front counter, PC 4411")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"SR-\d{4}-\d{4}"))
    reference = re.search(r"SR-\d{4}-\d{4}", heading.inner_text()).group(0)

    page.get_by_role("button", name="Search every compartment for the person").click()
    page.wait_for_load_state()
    reports = officer.main.locator("li[data-hit-kind=report]")
    expect(reports.filter(has_text="restricted").first).to_be_visible()
    expect(reports.filter(has_text="general").first).to_be_visible()

    # The report of the restricted compartment: restricted under Art. 15(1)(b) until a review.
    hidden = reports.filter(has_text="drive for a supply network").first
    hidden.get_by_label("Decision").select_option("restrict")
    hidden.get_by_label("Art. 15(1) ground").select_option("crime")
    hidden.get_by_label("Review by").fill((date.today() + timedelta(days=90)).isoformat())
    hidden.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success").first).to_contain_text("Decision recorded")
    # Every other hit disclosed, one after another (each decision reloads the page).
    while officer.main.locator("li", has_text="Undecided").count():
        item = officer.main.locator("li", has_text="Undecided").first
        item.get_by_label("Decision").select_option("disclose")
        item.get_by_role("button", name="Record decision").click()
        page.wait_for_load_state()
    expect(officer.main.locator(".badge", has_text="Restrict (Art. 15)")).to_have_count(1)
    officer.shot("oversight-30-subject-request")
    officer.assert_accessible("a data-subject request's page")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    officer.shot("oversight-30b-subject-request-phone")
    page.set_viewport_size({"width": 1366, "height": 768})

    with page.expect_download() as download:
        officer.main.get_by_role("link", name="Response letter (PDF)").click()
    assert download.value.suggested_filename == f"{reference}-letter.pdf"

    officer.goto("/data-protection/requests/")
    expect(officer.main.get_by_role("link", name=reference)).to_be_visible()
    expect(officer.main.get_by_role("columnheader", name=re.compile("Deadline"))).to_be_visible()
    officer.shot("oversight-31-subject-register")
    page.set_viewport_size({"width": 390, "height": 844})
    officer.shot("oversight-31b-subject-register-phone")
    page.set_viewport_size({"width": 1366, "height": 768})


def test_the_officer_still_cannot_open_the_records_themselves(person):
    officer = person("oversight")
    response = officer.goto("/intelligence/reports/")
    assert response.status in (403, 404)


def test_officer_produces_the_demo_operations_proportionality_pack_and_verifies_it(person):
    """The register of processing, then a pack for OP-NIGHTJAR whose hash the log proves."""
    officer = person("oversight")
    page = officer.page
    officer.nav("Processing records")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of processing activities")
    expect(officer.main.get_by_role("table").first).to_contain_text("Hotspot")
    officer.shot("oversight-32-processing-register")
    officer.assert_accessible("the register of processing activities")

    officer.goto("/data-protection/packs/new/")
    page.locator("#id_subject_type").select_option("operation")
    page.get_by_label(re.compile(r"^Operation reference or tasking id")).fill("OP-NIGHTJAR")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("OP-NIGHTJAR")
    sha256 = officer.main.locator("p.small code.text-break").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha256), sha256
    officer.shot("oversight-33-proportionality-pack")
    officer.assert_accessible("a proportionality pack")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})

    officer.main.get_by_role("link", name="Verify a pack").click()
    page.get_by_label(re.compile(r"^Or its SHA-256")).fill(sha256)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Match")
    officer.shot("oversight-34-pack-verified")
    # A pack changed by one byte has another hash, which the log never recorded.
    page.get_by_label(re.compile(r"^Or its SHA-256")).fill("0" * 64)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Mismatch")
