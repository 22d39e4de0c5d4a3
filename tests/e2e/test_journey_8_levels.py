"""Levels inside one platform: a regional analyst shares a report up, the national unit finds
it in its intake with its provenance and grades it again; a national requirement appears to a
local manager, who accepts it. Uses the demo levels (``sharing.seed``) only."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REQUIREMENT = "Which groups move cocaine from the port into the region's towns?"


def test_a_regional_report_flows_up_and_is_graded_again_at_national_level(person, journey):
    regional = person("regional_analyst")
    page = regional.page
    regional.nav("Shared")
    regional.justify("OP-LEVELS", "Passing regional intelligence to the national hub")
    regional.main.get_by_role("link", name="Received").click()
    page.wait_for_load_state()
    # What the local unit shared with the region, evaluated there: shared further up.
    regional.main.get_by_role("link", name=re.compile(r"^SHR-\d+$")).first.click()
    page.wait_for_load_state()
    regional.main.locator("a.share-received").click()
    page.wait_for_load_state()
    expect(regional.main.locator("#provenance")).to_contain_text("Force intelligence bureau")
    regional.main.get_by_role("link", name="Share with another unit").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Share with")).select_option(
        label="National intelligence hub (National)"
    )
    page.get_by_label(re.compile(r"^Risk to the source")).select_option("low")
    page.get_by_label(re.compile(r"^Risk to an operation")).select_option("none")
    page.get_by_label(re.compile(r"^Risk to a person")).select_option("none")
    page.get_by_label(re.compile(r"^Legal basis")).fill("DPA 2018 s.35")
    page.get_by_label("No onward sharing without the originator's consent").check()
    regional.shot("levels-01-share-form")
    regional.assert_accessible("the share form")
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_load_state()
    # The message names the receiving unit only: the new report's URN is in an intake the
    # sender does not hold.
    message = page.locator(".alert-success").filter(has_text="Shared with National")
    expect(message).to_contain_text("in their intake, awaiting their evaluation")
    assert not re.search(r"IR-\d{4}-\d{6}", message.inner_text())
    regional.shot("levels-02-share-sent")
    regional.assert_accessible("a share's page")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})

    national = person("national_analyst")
    page = national.page
    national.goto("/intelligence/reports/")
    national.justify("OP-LEVELS", "Evaluating intelligence received from the regions")
    national.goto("/sharing/?side=received")
    national.main.get_by_role("link", name=re.compile(r"^SHR-\d+$")).first.click()
    page.wait_for_load_state()
    received = national.main.locator("a.share-received")
    urn = received.inner_text().strip()
    received.click()
    page.wait_for_load_state()
    provenance = national.main.locator("#provenance")
    expect(provenance).to_contain_text("Regional intelligence unit North")
    expect(provenance).to_contain_text("originator's consent")
    national.shot("levels-03-received-with-provenance")
    national.assert_accessible("a received report")
    national.main.get_by_role("link", name="Evaluate", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:3")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:C")
    page.get_by_label(re.compile(r"^Sanitised text")).fill(
        "Regional reporting of cocaine movements from the port; not corroborated nationally."
    )
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="National intake")
    page.get_by_label(re.compile(r"^Reason for any change")).fill(
        "Graded again at national level: a single regional report."
    )
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Report {urn} evaluated.")).to_be_visible()
    expect(national.main.locator("#provenance")).to_contain_text("Received intelligence")
    national.shot("levels-04-graded-again")
    journey["levels_report"] = urn


def test_a_national_requirement_appears_to_a_local_manager_who_accepts_it(person):
    manager = person("manager")
    page = manager.page
    manager.goto("/sharing/requirements/")
    manager.justify("OP-LEVELS", "Requirements issued to the unit")
    link = manager.main.get_by_role("link", name=REQUIREMENT)
    expect(link.first).to_be_visible()
    manager.shot("levels-05-requirements-from-above")
    manager.assert_accessible("requirements from above")
    link.first.click()
    page.wait_for_load_state()
    levels = manager.main.locator("#levels")
    expect(levels).to_contain_text("National intelligence hub")
    accept = levels.get_by_role("button", name="Accept this requirement")
    if accept.count():
        accept.click()
        page.wait_for_load_state()
        expect(page.get_by_text("Requirement accepted")).to_be_visible()
    expect(manager.main.locator("#levels")).to_contain_text("Accepted")
    manager.shot("levels-06-requirement-accepted")
