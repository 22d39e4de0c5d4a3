"""The analyst's workbench: an operation opened and filled, its page with chart and timeline,
the justification naming it, an entity page as a starting point, and an outsider who sees none
of it. Uses the demo data only (operation Nightjar and its entities), so it runs on its own."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Unique per run: a journey run again against the same platform opens another operation.
REFERENCE = f"OP-KITE-{int(time.time()) % 100000}"


def test_analyst_opens_an_operation_gathers_records_and_works_under_it(person):
    analyst = person("analyst")
    page = analyst.page
    analyst.nav("Operations")
    analyst.justify("OP-NIGHTJAR", "Review of the drug-supply operation")
    expect(analyst.main.get_by_role("link", name="OP-NIGHTJAR")).to_be_visible()

    analyst.main.get_by_role("link", name="Open an operation").click()
    page.get_by_label(re.compile(r"^Name")).fill("Kite")
    page.get_by_label(re.compile(r"^Reference")).fill(REFERENCE)
    page.get_by_label("Objectives").fill("Identify who supplies the Mill Lane address.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kite")
    analyst.shot("analyst-20-operation-new")

    # A report picked by typing part of its URN and choosing it from the list.
    analyst.goto("/intelligence/reports/?status=evaluated")
    first = analyst.main.get_by_role("link", name=re.compile(r"^IR-\d{4}-\d{6}$")).first
    urn = first.inner_text()
    analyst.goto("/operations/")
    analyst.main.get_by_role("link", name=REFERENCE).click()
    analyst.main.get_by_role("link", name="Add records").click()
    box = page.get_by_role("combobox", name="Reports")
    box.press_sequentially(urn[-6:], delay=30)
    option = page.get_by_role("listbox", name="Reports").get_by_role("option", name=re.compile(urn))
    expect(option.first).to_be_visible()
    analyst.shot("analyst-20b-operation-add-report", full_page=False)
    option.first.click()
    expect(page.locator(".picker-chip").filter(has_text=urn).first).to_be_visible()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").or_(page.locator(".alert-success"))).to_contain_text(
        "Added to the operation"
    )
    expect(page.locator("#op-reports").get_by_role("link", name=urn)).to_be_visible()

    # The demo operation: its chart of entities and links, its timeline.
    analyst.goto("/operations/")
    analyst.main.get_by_role("link", name="OP-NIGHTJAR").click()
    chart = analyst.main.locator("figure svg[role=group]")
    expect(chart).to_be_visible()
    assert chart.locator("a").count() >= 5
    expect(analyst.main.get_by_role("heading", name="Timeline")).to_be_visible()
    analyst.shot("analyst-21-operation-page")
    analyst.assert_accessible("an operation's page")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    analyst.shot("analyst-21b-operation-page-phone")
    page.set_viewport_size({"width": 1366, "height": 768})

    # An entity of the operation: its page, chart, reports with grades, timeline.
    analyst.main.locator("figure svg a").first.locator("circle, rect").click()
    page.wait_for_load_state()
    expect(analyst.main.get_by_role("heading", name="Reports naming this entity")).to_be_visible()
    expect(analyst.main.get_by_role("link", name="Edit")).to_be_visible()
    analyst.shot("analyst-22-entity-page")
    analyst.assert_accessible("an entity's page")

    # The justification names the operation: chosen from a list, not typed.
    analyst.goto("/justification/")
    work = page.get_by_label("Operation, requirement or tasking")
    work.select_option(work.locator("option", has_text="OP-NIGHTJAR").get_attribute("value"))
    page.get_by_label("Purpose").fill("Mapping the network for the next meeting")
    analyst.shot("analyst-23-justification-purpose")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    analyst.goto("/justification/")
    expect(analyst.main.get_by_role("status")).to_contain_text("OP-NIGHTJAR Nightjar")


def test_an_officer_sees_no_operations(person):
    officer = person("officer")
    officer.goto("/")
    expect(officer.page.get_by_role("link", name="Operations")).to_have_count(0)
    response = officer.page.goto(officer.url("/operations/"))
    assert response.status == 403
