"""An officer logs intelligence with a grade and finds it among their submissions."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_officer_submits_a_graded_report_and_sees_it_in_their_submissions(person):
    officer = person("officer")
    expect(officer.page.get_by_role("heading", level=1)).to_be_visible()
    officer.shot("officer-01-home")
    officer.page.get_by_role("link", name=re.compile("Submit intelligence")).first.click()
    officer.justify()
    page = officer.page
    compartment = page.get_by_label(re.compile(r"^Compartment"))
    compartment.select_option(index=1)
    page.get_by_label(re.compile(r"What is known")).fill(
        "Blue van VRM AB12CDE seen delivering packages to 14 Mill Lane late at night, "
        "several visitors staying minutes only."
    )
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:2")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:B")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    officer.shot("officer-02-report-form")
    assert officer.axe_violations() == []
    page.get_by_role("button", name="Submit for evaluation").click()
    officer.justify()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"IR-\d{4}-\d+"))
    expect(page.get_by_text("Submitted, awaiting evaluation")).to_be_visible()
    expect(page.get_by_text("Handling code P (3x5x2)")).to_be_visible()
    expect(page.get_by_text("B2", exact=True)).to_be_visible()
    urn = re.search(r"IR-\d{4}-\d+", page.get_by_role("heading", level=1).inner_text()).group(0)
    officer.shot("officer-03-report-submitted")

    page.get_by_role("link", name=re.compile("^Reports$")).first.click()
    officer.justify()
    expect(page.get_by_role("link", name=urn)).to_be_visible()
    officer.shot("officer-04-my-submissions")
