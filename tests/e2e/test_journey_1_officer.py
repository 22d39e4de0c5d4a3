"""Officer: logs intelligence with a grade, finds it among their submissions, sees a tasking."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import pk_from

pytestmark = pytest.mark.e2e

REPORT_TEXT = (
    "Blue van VRM AB12CDE seen delivering packages to 14 Mill Lane late at night, "
    "several visitors staying minutes only."
)


def test_officer_submits_a_graded_report_and_sees_it_in_their_submissions(person, journey):
    officer = person("officer")
    page = officer.page
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    officer.shot("officer-01-home")
    officer.assert_accessible("the officer's home page")

    page.get_by_role("link", name=re.compile("Submit intelligence")).first.click()
    officer.justify()
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_label(re.compile(r"What is known")).fill(REPORT_TEXT)
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:2")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:B")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    officer.shot("officer-02-report-form")
    officer.assert_accessible("the report form")

    page.get_by_role("button", name="Submit for evaluation").click()
    officer.justify()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"IR-\d{4}-\d+"))
    expect(page.get_by_text("Submitted, awaiting evaluation")).to_be_visible()
    expect(page.get_by_text("Handling code P (3x5x2)")).to_be_visible()
    expect(page.get_by_text("B2", exact=True)).to_be_visible()
    urn = re.search(r"IR-\d{4}-\d+", heading.inner_text()).group(0)
    journey["report_urn"] = urn
    journey["report_pk"] = pk_from(page.url, "/intelligence/reports/")
    officer.shot("officer-03-report-submitted")

    page.get_by_role("link", name=re.compile("^Reports$")).first.click()
    officer.justify()
    page.get_by_label("Only my submissions").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=urn))
    expect(row).to_contain_text("Submitted, awaiting evaluation")
    expect(row).to_contain_text("B2")
    officer.shot("officer-04-my-submissions", full_page=False)
    officer.assert_accessible("the officer's submissions")


def test_officer_sees_the_tasking_assigned_to_them(person):
    officer = person("officer")
    page = officer.page
    panel = page.get_by_role("region", name="My taskings")
    if panel.count():
        expect(panel.get_by_role("link").first).to_be_visible()
        officer.shot("officer-05-home-taskings")
    officer.nav("My taskings", waiting_for="the tasking pages")
    officer.justify()
    expect(page.get_by_role("heading", level=1)).to_have_text("My taskings")
    rows = page.get_by_role("table").get_by_role("row").filter(has=page.get_by_role("link"))
    if not rows.count():
        pytest.xfail("no tasking is assigned to officer: the tasking demo seed is not there yet")
    officer.shot("officer-06-my-taskings", full_page=False)
    officer.assert_accessible(
        "the officer's taskings",
    )
    title = rows.first.get_by_role("link").first.inner_text().strip()
    rows.first.get_by_role("link").first.click()
    officer.justify()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    officer.shot("officer-07-tasking")
