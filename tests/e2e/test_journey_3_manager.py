"""Manager: approves the analyst's product and runs a tactical tasking meeting end to end.

Builds on the analyst's journey (the product in review). Leaves nothing the later journeys
need beyond the audit trail it writes.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from ilp_platform.web.dates import shape_hint
from tests.e2e.helpers import choose, date_shape, needs, pk_from, shown_date, wide_on_a_phone

pytestmark = pytest.mark.e2e

CASE = "OP-KESTREL"
# Reported: tasking agenda rows of overdue taskings fail WCAG AA contrast.
OVERDUE_ROW_CONTRAST = {
    "color-contrast": "templates/tasking/_agenda.html: links in overdue tasking rows "
    "(table-danger) are #0d6efd on #f8d7da, 3.36:1"
}


# Dates spelt with month names; any date in figures must be in the language's one shape.
MONTH_WORDS = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? "
    r"\d{1,2}, \d{4}|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
)
IN_FIGURES = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")


def _dates_not_in_the_shape(text: str) -> list[str]:
    shape = date_shape("SHORT_DATE_FORMAT")
    odd = [m.group(0) for m in MONTH_WORDS.finditer(text)]
    return odd + [d for d in IN_FIGURES.findall(text) if not shape.fullmatch(d)]


def _datetime_input_format(language: str = "en") -> str:
    """The shape the platform's date-and-time boxes show and take first in ``language``."""
    from django.utils import formats, translation

    with translation.override(language):
        return str(formats.get_format("DATETIME_INPUT_FORMATS")[0])


def _pick_attendee(page, name: str) -> None:
    """Type part of a name in the attendees picker and choose the person."""
    box = page.get_by_role("combobox", name=re.compile(r"^Attendees"))
    box.press_sequentially(name[:5], delay=30)
    listbox = page.get_by_role("listbox", name=re.compile(r"^Attendees"))
    option = listbox.get_by_role("option", name=re.compile(re.escape(name))).first
    expect(option).to_be_visible()
    option.click()
    expect(page.locator(".picker-chip").filter(has_text=name).first).to_be_visible()


def _numbered(text: str) -> dict[str, str]:
    """Each minutes number (D1 ..., A1 ...) with the text up to the next number."""
    parts = re.split(r"\b([DA]\d+)\b", " ".join(text.split()))
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_manager_minutes_number_every_action_and_name_the_attendees(person, tmp_path):
    """Standalone (the demo data only): a meeting planned with the attendee picker, a
    requirement and a tasking raised and a decision recorded; the minutes on the page and in the
    HTML export list them numbered alike, with owners, due dates in the one date shape, and
    the attendees by name."""
    manager = person("manager")
    page = manager.page
    manager.nav("Tasking", waiting_for="the tasking meeting pages")
    manager.justify(CASE, "Tactical tasking: minutes")
    manager.goto("/tasking/meetings/new/")
    expect(page.locator("select[multiple]")).to_have_count(0)
    title = f"Minutes check {datetime.datetime.now():%H%M%S}"
    page.get_by_label(re.compile(r"^Kind")).select_option("tactical")
    page.get_by_label(re.compile(r"^Title")).fill(title)
    page.get_by_label(re.compile(r"^Date and time")).fill(
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}"
    )
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    _pick_attendee(page, "Analyst")
    _pick_attendee(page, "Officer")
    manager.shot("manager-08-attendee-picker", full_page=False)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    attendees = page.locator("#meeting-attendees")
    expect(attendees).to_contain_text("Analyst")
    expect(attendees).to_contain_text("Officer")
    meeting_pk = pk_from(page.url, "/tasking/meetings/")
    manager.main.get_by_role("button", name="Open meeting").click()
    page.wait_for_load_state()

    due = shown_date(datetime.date.today() + datetime.timedelta(days=21))
    manager.main.get_by_role("link", name="Raise a requirement").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^What we need to know")).fill("Where is the van kept at night?")
    page.get_by_label(re.compile(r"^Due by")).fill(due)
    choose(page.get_by_label(re.compile(r"^Assigned person")), "Analyst")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    manager.goto(f"/tasking/meetings/{meeting_pk}/")
    manager.main.get_by_role("link", name="Raise a tasking").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Action")).fill("Check the garages behind Mill Lane")
    choose(page.get_by_label(re.compile(r"^Priority")), r"\w")
    page.get_by_label(re.compile(r"^Strand")).select_option("intelligence")
    choose(page.get_by_label(re.compile(r"^Owner \(person\)")), "Officer")
    page.get_by_label(re.compile(r"^Due by")).fill(due)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    manager.goto(f"/tasking/meetings/{meeting_pk}/")
    form = manager.main.locator("form").filter(has_text="Record a decision")
    form.get_by_label(re.compile(r"^Decision")).fill("Garages to be checked this week.")
    form.get_by_label(re.compile(r"^Rationale")).fill("The van is seen there at night.")
    form.get_by_role("button", name="Record decision").click()
    minutes = page.locator("#minutes")
    expect(minutes).to_contain_text("Garages to be checked")
    on_page = _numbered(minutes.inner_text())
    assert "Garages to be checked" in on_page.get("D1", ""), on_page
    assert "Where is the van kept" in on_page.get("A1", ""), on_page
    assert "Check the garages" in on_page.get("A2", ""), on_page
    assert due in on_page["A1"] and due in on_page["A2"]
    assert "Officer" in on_page["A2"] and "Analyst" in on_page["A1"]

    manager.main.get_by_role("button", name="Close meeting").click()
    page.wait_for_load_state()
    exported = manager.goto(f"/tasking/meetings/{meeting_pk}/minutes/?as=html")
    assert exported.status == 200
    manager.shot("manager-09-minutes-numbered")
    text = page.locator("body").inner_text()
    in_export = _numbered(text)
    for number in ("D1", "A1", "A2"):
        first_words = " ".join(on_page[number].split()[:3])
        assert number in in_export, (number, in_export)
        assert any(word in in_export[number] for word in first_words.split()), number
    assert "Garages to be checked" in in_export["D1"]
    assert "Check the garages" in in_export["A2"] and due in in_export["A2"]
    attendees_line = text.split("Attendees:")[1].split("\n")[0]
    assert "Analyst" in attendees_line and "Officer" in attendees_line
    assert not _dates_not_in_the_shape(text), _dates_not_in_the_shape(text)


def test_manager_approves_the_problem_profile(person, journey):
    reference, product_pk = needs(journey, "product_reference", "product_pk")
    manager = person("manager")
    page = manager.page
    manager.shot("manager-01-home")
    manager.assert_accessible("the manager's home page")
    manager.nav("Products", waiting_for="the analytical product pages")
    manager.justify(CASE, "Review of the Mill Lane problem profile")
    manager.main.get_by_role("link", name=re.compile(re.escape(reference))).first.click()
    page.wait_for_load_state()
    assert pk_from(page.url, "/analysis/products/") == product_pk
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("In review")
    manager.shot("manager-02-product-review", full_page=False)
    manager.main.get_by_role("button", name="Approve").click()  # confirms "freeze this version?"
    page.wait_for_load_state()
    expect(heading).to_contain_text("Approved")
    expect(manager.main.get_by_role("link", name="Version 1")).to_be_visible()
    manager.shot("manager-03-product-approved", full_page=False)
    manager.assert_accessible(
        "the approved product",
    )
    journey["product_approved"] = True


def test_manager_runs_a_tactical_meeting_and_exports_its_minutes(person, journey, tmp_path):
    _approved, priority_pk, priority = needs(
        journey, "product_approved", "priority_pk", "priority_title"
    )
    manager = person("manager")
    page = manager.page
    manager.nav("Tasking", waiting_for="the tasking meeting pages")
    manager.justify(CASE, "Tactical tasking: Mill Lane")

    # Plan the meeting, then open it: the agenda is fixed as it stands.
    manager.goto("/tasking/meetings/new/")
    when = datetime.datetime.now().replace(microsecond=0, second=0)
    page.get_by_label(re.compile(r"^Kind")).select_option("tactical")
    # One date shape, the language's: the box shows it as a hint (not the browser's
    # mm/dd/yyyy date box) and takes it.
    typed = _datetime_input_format()
    title = f"Tactical tasking {when.strftime(typed)}"
    page.get_by_label(re.compile(r"^Title")).fill(title)
    when_box = page.get_by_label(re.compile(r"^Date and time"))
    assert when_box.get_attribute("placeholder") == shape_hint(typed)
    when_box.fill(when.strftime(typed))
    page.get_by_label(re.compile(r"^Location")).fill("Briefing room 2")
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    _pick_attendee(page, "Analyst")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(title)
    meeting_pk = pk_from(page.url, "/tasking/meetings/")
    manager.main.get_by_role("button", name="Open meeting").click()
    page.wait_for_load_state()
    expect(heading).to_contain_text("Open")
    agenda = page.get_by_role("region", name=re.compile("Agenda"))
    candidate = agenda.get_by_role("row").filter(
        has=page.locator(f"a[href='/tasking/priorities/{priority_pk}/']")
    )
    expect(candidate).to_be_visible()
    manager.shot("manager-04-meeting-open")
    manager.assert_accessible(
        "the open meeting and its agenda",
        known=OVERDUE_ROW_CONTRAST,
    )

    # Approve the scored priority.
    candidate.get_by_role("link", name="Approve or reject").click()
    page.wait_for_load_state()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label(re.compile(r"^Rationale")).fill(
        "Highest harm score on the agenda; the problem profile shows a significant hot spot."
    )
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Priority approved.")).to_be_visible()
    manager.goto(f"/tasking/priorities/{priority_pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved")
    manager.goto(f"/tasking/meetings/{meeting_pk}/")

    # Raise a requirement and a tasking from the meeting.
    due = shown_date(datetime.date.today() + datetime.timedelta(days=14))
    manager.main.get_by_role("link", name="Raise a requirement").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^What we need to know")).fill(
        "Who keeps and drives the blue van AB12 CDE?"
    )
    choose(page.get_by_label(re.compile(r"^For priority")), re.escape(priority))
    page.get_by_label(re.compile(r"^Due by")).fill(due)
    choose(page.get_by_label(re.compile(r"^Assigned person")), "Analyst")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    manager.goto(f"/tasking/meetings/{meeting_pk}/")
    manager.main.get_by_role("link", name="Raise a tasking").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Action")).fill(
        "High-visibility patrols on Mill Lane 22:00-02:00; record every stop of the van"
    )
    choose(page.get_by_label(re.compile(r"^Priority")), re.escape(priority))
    page.get_by_label(re.compile(r"^Strand")).select_option("enforcement")
    choose(page.get_by_label(re.compile(r"^Owner \(person\)")), "Officer")
    page.get_by_label(re.compile(r"^Due by")).fill(due)
    manager.shot("manager-05-tasking-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    manager.goto(f"/tasking/meetings/{meeting_pk}/")
    raised = manager.main.locator("#minutes-actions")
    expect(raised.get_by_text(re.compile("Requirement: Who keeps and drives"))).to_be_visible()
    expect(raised.get_by_text(re.compile("Tasking: High-visibility patrols"))).to_be_visible()

    # Record a decision in the minutes (htmx: the minutes refresh in place).
    form = manager.main.locator("form").filter(has_text="Record a decision")
    form.get_by_label(re.compile(r"^About")).select_option("product")
    choose(form.get_by_label(re.compile(r"^Analytical product")), "Drug supply around Mill Lane")
    form.get_by_label(re.compile(r"^Decision")).fill(
        "Problem profile accepted; enforcement and intelligence strands tasked."
    )
    form.get_by_label(re.compile(r"^Rationale")).fill(
        "The hot spot is significant and the van links the address to known suppliers."
    )
    form.get_by_role("button", name="Record decision").click()
    minutes = page.locator("#minutes")
    expect(minutes).to_contain_text("Problem profile accepted")
    manager.shot("manager-06-decision-recorded")

    # Close the meeting: its decisions become read-only; export the minutes.
    manager.main.get_by_role("button", name="Close meeting").click()
    page.wait_for_load_state()
    expect(heading).to_contain_text("Closed")
    manager.shot("manager-07-meeting-closed")
    manager.assert_accessible("the closed meeting", known=OVERDUE_ROW_CONTRAST)
    with page.expect_download() as download_info:
        manager.main.get_by_role("link", name="Minutes (PDF)").click()
    download = download_info.value
    saved = tmp_path / (download.suggested_filename or "minutes.pdf")
    download.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-", f"{download.suggested_filename} is not a PDF"
    assert saved.suffix == ".pdf"
    journey["meeting_pk"] = meeting_pk


def test_the_managers_pages_fit_a_phone(person, journey):
    """At 390 px the manager's pages scroll up and down only (wide tables scroll inside their
    own box); screenshots for the guide."""
    manager = person("manager")
    pages = {
        "manager-10-home-phone": "/",
        "manager-11-products-phone": "/analysis/products/",
        "manager-12-meetings-phone": "/tasking/meetings/",
        "manager-14-decision-log-phone": "/tasking/decisions/",
        "manager-15-control-strategy-phone": "/tasking/control-strategy/",
    }
    if "meeting_pk" in journey:
        pages["manager-13-meeting-phone"] = f"/tasking/meetings/{journey['meeting_pk']}/"
    wide = wide_on_a_phone(manager, pages)
    assert not wide, f"wider than a 390 px phone: {wide}"
