"""Officer: logs intelligence with a grade, reads it back without a justification, finds it
among their submissions, asks for more time on a tasking (a manager grants it) and submits
intelligence for the tasking; every page fits a 390 px phone."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import pk_from, read_shown_date, shown_date

pytestmark = pytest.mark.e2e

REPORT_TEXT = (
    "Blue van VRM AB12CDE seen delivering packages to 14 Mill Lane late at night, "
    "several visitors staying minutes only."
)
TASKING_REPORT_TEXT = "Pawnbroker on Stapleton Road bought three laptops from two young men today."
MENTION_NAME = "Dean Carver"
MENTION_DETAILS = "Driver of the blue van, about 30, known as Deano"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def fits_a_phone(someone, screen: str, shot: str | None = None) -> None:
    """At 390 px wide the page scrolls up and down only: no sideways scroll."""
    page = someone.page
    page.set_viewport_size(PHONE)
    try:
        someone.settle()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if shot:
            someone.shot(shot)
    finally:
        page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"{screen} is {width} px wide on a 390 px phone"


def test_officer_submits_a_graded_report_and_sees_it_in_their_submissions(person, journey):
    officer = person("officer")
    page = officer.page
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    officer.shot("officer-01-home")
    officer.assert_accessible("the officer's home page")
    fits_a_phone(officer, "the officer's home page", "officer-01b-home-phone")

    page.get_by_role("link", name=re.compile("Submit intelligence")).first.click()
    page.wait_for_load_state()
    assert "/justification" not in page.url, "writing a report asked for a justification"
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_label(re.compile(r"What is known")).fill(REPORT_TEXT)
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:2")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:B")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    # Each chosen code's meaning sits under its field, whole, even where a phone cuts the option.
    meaning = page.locator("#id_intelligence_assessment ~ [data-grading-meaning]")
    expect(meaning).to_have_text("B — Known indirectly to the source but corroborated")
    # Beside each grading field, its codes in a collapsible list (opened from the keyboard):
    # the chosen scheme's only; no table of every scheme follows the form.
    codes = page.locator("#id_intelligence_assessment ~ details")
    codes.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(codes.locator('[data-scheme-help="3x5x2"]')).to_be_visible()
    expect(codes.get_by_text("Known indirectly to the source but corroborated")).to_be_visible()
    expect(codes.locator('[data-scheme-help="5x5x5"]')).to_be_hidden()
    expect(page.locator("form ~ * details, form ~ details")).to_have_count(0)
    # The place is clicked on the map (it fills latitude and longitude); the crime type ticked.
    place_map = page.locator("#report-location")
    expect(place_map).to_be_visible()
    place_map.click(position={"x": 120, "y": 80})
    expect(page.get_by_label(re.compile(r"^Latitude"))).not_to_have_value("")
    expect(page.get_by_label(re.compile(r"^Longitude"))).not_to_have_value("")
    page.get_by_role("group", name=re.compile(r"^Crime types")).get_by_label("Drugs").check()
    # The van's driver as a structured entry: a suggestion for the evaluator.
    mentions = page.get_by_role("group", name="People, vehicles and places mentioned")
    mentions.get_by_label("Kind (row 1)").select_option("person")
    mentions.get_by_label("Name (row 1)").fill(MENTION_NAME)
    mentions.get_by_label("Details (row 1)").fill(MENTION_DETAILS)
    officer.shot("officer-02-report-form")
    officer.assert_accessible("the report form")
    fits_a_phone(officer, "the report form")

    page.get_by_role("button", name="Submit for evaluation").click()
    page.wait_for_load_state()
    # Their own submission is its own purpose: no justification is asked to read it back.
    assert "/justification" not in page.url, "the officer was asked why they read their report"
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"IR-\d{4}-\d+"))
    expect(page.get_by_text("Submitted, awaiting evaluation")).to_be_visible()
    expect(page.get_by_text("Handling code P (3x5x2)")).to_be_visible()
    suggested = page.get_by_role("region", name="Suggested by the officer")
    expect(suggested).to_contain_text(MENTION_NAME)
    expect(suggested).to_contain_text(MENTION_DETAILS)
    # 3x5x2 writes the source evaluation first: source 2, intelligence B is "2B", never "B2".
    grade = officer.main.locator(".report-grade")
    expect(grade.locator(".grade-badge").first).to_have_text("2B P")
    expect(grade).to_contain_text("Source evaluation 2: Untested")
    expect(grade).to_contain_text(
        "Intelligence assessment B: Known indirectly to the source but corroborated"
    )
    urn = re.search(r"IR-\d{4}-\d+", heading.inner_text()).group(0)
    journey["report_urn"] = urn
    journey["report_pk"] = pk_from(page.url, "/intelligence/reports/")
    officer.shot("officer-03-report-submitted")
    officer.assert_accessible("the submitted report")
    fits_a_phone(officer, "the report page with its grading history", "officer-03b-report-phone")

    page.get_by_role("link", name=re.compile("^Reports$")).first.click()
    officer.justify()
    page.get_by_label("Only my submissions").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=urn))
    expect(row).to_contain_text("Submitted, awaiting evaluation")
    expect(row.locator(".grade-badge")).to_have_text("2B")
    officer.shot("officer-04-my-submissions", full_page=False)
    officer.assert_accessible("the officer's submissions")
    fits_a_phone(officer, "my reports", "officer-04b-my-submissions-phone")


def test_officer_asks_for_more_time_and_submits_intelligence_for_a_tasking(person, journey):
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
    assert rows.count(), "no tasking is assigned to the demo officer"
    officer.shot("officer-06-my-taskings", full_page=False)
    officer.assert_accessible("the officer's taskings")
    fits_a_phone(officer, "My taskings", "officer-06b-my-taskings-phone")

    # A tasking not yet overdue (the overdue one stays overdue for the manager's agenda).
    row = (
        rows.filter(has_not_text="Overdue").first
        if rows.filter(has_not_text="Overdue").count()
        else rows.first
    )
    title = row.get_by_role("link").first.inner_text().strip()
    row.get_by_role("link").first.click()
    officer.justify()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    tasking_pk = pk_from(page.url, "/tasking/taskings/")
    journey["tasking_pk"] = tasking_pk
    due = read_shown_date(page.locator("#tasking-due").inner_text())
    officer.shot("officer-07-tasking")
    officer.assert_accessible("the tasking")
    fits_a_phone(officer, "the tasking page")

    # Ask for more time: a date that has passed is refused naming the field, then a good one.
    form = page.locator("#ask-more-time")
    form.get_by_label("New deadline asked for").fill("2020-01-01")
    form.get_by_label("Why more time is needed").fill("The shop owner is away until next week.")
    form.get_by_role("button", name="Ask for more time").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("New deadline asked for")
    expect(summary).to_contain_text("has already passed")
    wanted = max(due, date.today()) + timedelta(days=7)
    page.get_by_label("New deadline asked for").fill(shown_date(wanted))
    page.get_by_label("Why more time is needed").fill("The shop owner is away until next week.")
    page.get_by_role("button", name="Ask for more time").click()
    page.wait_for_load_state()
    requests = page.locator("#extension-requests")
    expect(requests).to_contain_text("Awaiting a decision")
    expect(requests).to_contain_text(shown_date(wanted))
    officer.shot("officer-08-more-time-asked")

    # Submit intelligence for the tasking: the form names it; the report is linked to it.
    page.get_by_role("link", name="Submit intelligence for this tasking").click()
    page.wait_for_load_state()
    expect(page.locator("#report-for-tasking")).to_contain_text(title)
    page.get_by_label(re.compile(r"What is known")).fill(TASKING_REPORT_TEXT)
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:1")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:A")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    officer.shot("officer-09-report-for-tasking")
    officer.assert_accessible("the report form for a tasking")
    fits_a_phone(officer, "the report form for a tasking")
    page.get_by_role("button", name="Submit for evaluation").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"IR-\d{4}-\d+"))
    tasking_urn = re.search(r"IR-\d{4}-\d+", heading.inner_text()).group(0)
    officer.goto(f"/tasking/taskings/{tasking_pk}/")
    expect(page.locator("#tasking-reports").get_by_role("link", name=tasking_urn)).to_be_visible()
    journey["extension_asked"] = shown_date(wanted)


def test_a_manager_grants_the_officers_request_and_the_officer_sees_it(person, journey):
    if "extension_asked" not in journey:
        pytest.skip("the officer's request for more time was not made")
    tasking_pk, wanted = journey["tasking_pk"], journey["extension_asked"]
    manager = person("manager")
    page = manager.page
    manager.goto(f"/tasking/taskings/{tasking_pk}/")
    manager.justify("OP-E2E journey", "Deciding a request for more time")
    request = page.locator("#extension-requests")
    expect(request).to_contain_text("The shop owner is away until next week.")
    request.get_by_label("Note to the owner").fill("Agreed: report by then.")
    manager.shot("officer-10-manager-decides-more-time")
    request.get_by_role("button", name="Grant more time").click()
    page.wait_for_load_state()
    expect(page.locator("#tasking-due")).to_have_text(wanted)
    expect(page.locator("#extension-requests")).to_contain_text("Granted")

    # The meeting page fits a phone too (officers do not open meetings; the manager does).
    manager.goto("/tasking/meetings/")
    meeting = manager.main.get_by_role("link", name=re.compile("T&CG")).first
    if meeting.count():
        meeting.click()
        page.wait_for_load_state()
        fits_a_phone(manager, "the meeting page", "officer-11-meeting-page-phone")

    officer = person("officer")
    officer.goto(f"/tasking/taskings/{tasking_pk}/")
    officer.justify()
    expect(officer.page.locator("#tasking-due")).to_have_text(wanted)
    expect(officer.page.locator("#extension-requests")).to_contain_text("Agreed: report by then.")
    fits_a_phone(officer, "the tasking page after the decision", "officer-12-tasking-phone")
