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
