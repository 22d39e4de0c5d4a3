"""Analyst: evaluates the officer's report, links it, searches, analyses, drafts a product.

Builds on the officer's journey (the report's URN) and leaves, for the manager, the problem
profile submitted for review (``product_reference``, ``product_pk``).
"""

import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.helpers import choose, needs, pk_from, shown_date

pytestmark = pytest.mark.e2e

CASE = "OP-KESTREL"
SANITISED = (
    "A blue van, registration AB12CDE, has been seen delivering packages to an address on "
    "Mill Lane late at night; visitors stay a few minutes only."
)


def test_analyst_evaluates_the_officers_report_grading_sanitising_and_compartmenting_it(
    person, journey
):
    urn, pk = needs(journey, "report_urn", "report_pk")
    analyst = person("analyst")
    page = analyst.page
    analyst.shot("analyst-01-home")
    analyst.assert_accessible("the analyst's home page")

    analyst.nav("Evaluate")
    analyst.justify(CASE, "Evaluation of new intelligence on drug supply in Mill Lane")
    # The queue is oldest first: the officer's new report is found by its URN.
    expect(analyst.main.get_by_role("columnheader", name="Waiting")).to_be_visible()
    page.get_by_label("URN", exact=True).fill(urn)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    analyst.main.get_by_role("link", name=urn).click()
    analyst.main.get_by_role("link", name="Evaluate", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(urn)
    page.get_by_label(re.compile(r"^Grading scheme")).select_option("3x5x2")
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:2")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:C")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:C")
    page.get_by_label(re.compile(r"^Handling conditions")).fill(
        "Not to be shared outside the drugs team without the analyst's agreement."
    )
    page.get_by_label(re.compile(r"^Sanitised text")).fill(SANITISED)
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="Operation Restricted")
    page.get_by_label(re.compile(r"^Reason for any change")).fill(
        "The officer heard it from a resident: known indirectly, not corroborated yet."
    )
    analyst.shot("analyst-02-evaluation-form")
    analyst.assert_accessible("the evaluation form")
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_load_state()

    expect(page.get_by_text(f"Report {urn} evaluated.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evaluated")
    # 3x5x2 reads source first: source 2, intelligence C, handling code C.
    expect(page.locator(".report-grade .grade-badge").first).to_have_text("2C C")
    expect(page.get_by_text(SANITISED)).to_be_visible()
    expect(page.get_by_text("Compartment: Operation Restricted")).to_be_visible()
    assert pk_from(page.url, "/intelligence/reports/") == pk
    journey["report_evaluated"] = True


def test_analyst_shares_out_the_queue_assigning_two_reports_and_deferring_one(person, journey):
    """The queue's bulk bar: two reports ticked and assigned to a colleague, a third deferred
    to next week (it leaves the queue until then); keyboard and phone too."""
    analyst = person("analyst")
    page = analyst.page
    analyst.nav("Evaluate")
    analyst.justify(CASE, "Sharing out the evaluation queue")
    page.get_by_label("Compartment", exact=True).fill("general")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"compartment=general"))
    analyst.settle()
    boxes = analyst.main.get_by_role("checkbox", name=re.compile(r"^Select IR-"))
    expect(boxes.nth(2)).to_be_visible()
    urns = [
        (boxes.nth(n).get_attribute("aria-label") or "").removeprefix("Select ") for n in range(3)
    ]
    count = page.locator("[data-bulk-count]")
    # "Select all on this page" from the keyboard ticks every row; again, none.
    select_all = page.get_by_label(re.compile(r"^Select all \d+ on this page"))
    select_all.focus()
    page.keyboard.press("Space")
    expect(boxes.nth(2)).to_be_checked()
    page.keyboard.press("Space")
    expect(boxes.nth(0)).not_to_be_checked()

    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(count).to_contain_text("2 ticked")
    choose(page.get_by_label("Assign to"), r"^Ana Second")
    page.get_by_label("Reason (optional)").fill("Ana covers Easton this week")
    analyst.shot("analyst-02b-queue-bulk-bar")
    analyst.assert_accessible("the evaluation queue's bulk bar")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_text("2 reports assigned to Ana Second.")).to_be_visible()
    assert "compartment=general" in page.url  # back to the queue as it was filtered
    for urn in urns[:2]:
        expect(analyst.main.get_by_role("row").filter(has_text=urn)).to_contain_text("Ana Second")

    later = date.today() + timedelta(days=7)
    day = shown_date(later)  # typed as ISO 8601, which every language accepts; shown as its own
    analyst.main.get_by_role("checkbox", name=f"Select {urns[2]}").check()
    page.get_by_label("Evaluate on").fill(later.isoformat())
    page.get_by_role("button", name="Evaluate later").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"1 report deferred: back in the queue on {day}.")).to_be_visible()
    expect(analyst.main.get_by_role("link", name=urns[2], exact=True)).to_have_count(0)
    page.get_by_label("Deferred reports").select_option("include")
    page.wait_for_url(re.compile(r"deferred=include"))
    analyst.settle()
    deferred = analyst.main.get_by_role("row").filter(has_text=urns[2])
    expect(deferred).to_contain_text(f"Deferred until {day} by Amir Analyst")
    analyst.shot("analyst-02c-queue-deferred-included")

    page.set_viewport_size({"width": 390, "height": 844})
    try:
        analyst.shot("analyst-02d-queue-bulk-bar-phone")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"the queue is {width} px wide on a 390 px phone"
        # Nothing of a row is cut off at the card's edge either.
        for part in (deferred.get_by_text("Deferred until"), page.get_by_label("Assign to")):
            box = part.bounding_box()
            assert box and box["x"] + box["width"] <= 390, f"{part} runs off a 390 px phone"
    finally:
        page.set_viewport_size({"width": 1366, "height": 768})


def test_analyst_links_the_report_to_a_person_accepting_a_duplicate_and_to_a_vehicle(
    person, journey
):
    urn, pk = needs(journey, "report_urn", "report_pk")
    analyst = person("analyst")
    page = analyst.page

    # A colleague's note names someone already known: the platform offers the existing record.
    analyst.nav("Entities")
    analyst.justify(CASE, "Collation for the Mill Lane drug supply")
    page.get_by_label("Kind").select_option("person")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=person"))  # the list refreshes in place
    analyst.settle()
    known = (
        page.get_by_role("table")
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name="Person", exact=True))
        .first.get_by_role("link")
    )
    known_name = known.inner_text().strip()
    page.get_by_role("link", name="New entity").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Kind")).select_option("person")
    page.get_by_label(re.compile(r"^Name")).fill(known_name.upper())
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    suggestion = page.get_by_role("alert").filter(has_text="This may already exist")
    expect(suggestion).to_be_visible()
    analyst.shot("analyst-03-duplicate-suggestion")
    analyst.assert_accessible(
        "the duplicate suggestion",
    )
    suggestion.get_by_role("link", name=known_name).first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(known_name)
    person_id = pk_from(page.url, "/intelligence/entities/")

    # The van is new: created with its registration as identifier.
    analyst.goto("/intelligence/entities/new/")
    page.get_by_label(re.compile(r"^Kind")).select_option("vehicle")
    page.get_by_label(re.compile(r"^Name")).fill("AB12 CDE")
    page.get_by_label(re.compile(r"^Description")).fill("Blue Ford Transit van")
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_label(re.compile(r"^Vehicle registration")).fill("AB12 CDE")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    if page.get_by_text("This may already exist").count():  # a rerun on the same database
        page.get_by_label(re.compile("create it anyway")).check()
        page.get_by_role("button", name="Create").click()
        page.wait_for_load_state()
    expect(page.get_by_text("Entity created.")).to_be_visible()
    vehicle_id = pk_from(page.url, "/intelligence/entities/")

    analyst.goto(f"/intelligence/reports/{pk}/")
    # The person is picked by typing part of the name; the van's id is typed as it is.
    for entity_id, category in ((person_id, "suspect"), (vehicle_id, "")):
        entity_box = page.get_by_role("combobox", name="Entity")
        if entity_id == person_id:
            entity_box.press_sequentially(known_name[:6], delay=30)
            option = page.get_by_role("option", name=re.compile(re.escape(known_name))).first
            expect(option).to_be_visible()
            entity_box.evaluate("box => box.scrollIntoView({block: 'center'})")
            analyst.shot("analyst-03b-entity-picker", full_page=False)
            option.click()
            expect(page.locator(".picker-chip")).to_contain_text(known_name)
        else:
            entity_box.fill(str(entity_id))
        page.get_by_label("Data-subject category").select_option(category)
        page.get_by_role("button", name="Link entity").click()
        page.wait_for_load_state()
        expect(page.get_by_text("Entity linked to the report.")).to_be_visible()
    entities = page.get_by_role("list").filter(has_text=known_name)
    expect(entities).to_contain_text("Suspect")
    expect(entities).to_contain_text("AB12 CDE")
    analyst.shot("analyst-04-report-linked")
    journey["person_name"] = known_name


def test_analyst_searches_with_a_justification(person, journey):
    urn, _pk = needs(journey, "report_urn", "report_evaluated")
    analyst = person("analyst")
    page = analyst.page
    # A new line of enquiry: the analyst states its purpose before searching.
    page.get_by_role("button", name="analyst").click()
    page.get_by_role("link", name="Justification").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Why are you consulting")
    expect(page.get_by_role("status")).to_contain_text(CASE)
    page.get_by_label("Case or operation reference").fill(CASE)
    page.get_by_label("Purpose").fill("Search for the van seen in Mill Lane")
    analyst.shot("analyst-05-justification")
    analyst.assert_accessible("the justification page")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    analyst.nav("Search")
    analyst.justify(CASE, "Search for the van seen in Mill Lane")
    page.get_by_label("Search terms").fill("AB12CDE")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    expect(analyst.main.get_by_role("link", name=urn)).to_be_visible()
    analyst.shot("analyst-06-search-results")
    analyst.assert_accessible("the search results")


def _run_job(analyst, kind_label: str, title: str, **fields) -> int:
    """Set up an analysis of that kind over the General compartment; returns the job's id."""
    page = analyst.page
    analyst.nav("Analysis", waiting_for="the analysis job pages")
    analyst.justify(CASE, "Analysis of the Mill Lane drug supply problem")
    page.get_by_role("link", name=re.compile("Run an analysis|New analysis|Run")).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile(f"Set up {re.escape(kind_label)}")).click()
    page.wait_for_load_state()
    page.get_by_label("Title").fill(title)
    page.get_by_role("checkbox", name="General").check()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    return page


def _watch_progress_to_the_end(analyst, timeout_s: float = 120) -> list[int]:
    """Read the progress bar as htmx refreshes it until the job finishes (the page then reloads
    to show the result); returns the values seen."""
    page = analyst.page
    seen: list[int] = []
    bar = page.get_by_role("progressbar", name="Progress")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = int(float(bar.get_attribute("value", timeout=5000) or 0))
        except PlaywrightError:  # the page reloads itself when the job finishes
            page.wait_for_load_state()
            continue
        if not seen or seen[-1] != value:
            seen.append(value)
        if value >= 100:  # a fast job may finish between two polls: the bar then reads 100
            break
        try:
            status = page.locator("#job-progress .badge").first.inner_text(timeout=2000)
        except PlaywrightError:
            page.wait_for_load_state()
            continue
        if status.strip().lower() in ("succeeded", "failed"):
            # The bar was read before the badge: a refresh in between brought the finished
            # job, whose bar the same refresh set (a fast job finishes within one poll).
            try:
                value = int(float(bar.get_attribute("value", timeout=2000) or 0))
            except PlaywrightError:
                break
            if seen[-1] != value:
                seen.append(value)
            break
        page.wait_for_timeout(250)
    page.wait_for_load_state()
    show = page.get_by_role("link", name="Show the result")
    if show.count() and not page.get_by_role("heading", name="Result", exact=True).count():
        show.click()
        page.wait_for_load_state()
    return seen


def test_analyst_runs_a_hotspot_analysis_watches_its_progress_and_opens_the_map(person, journey):
    needs(journey, "report_evaluated")
    analyst = person("analyst")
    page = _run_job(analyst, "Hotspots", "Drug supply hotspots, whole force area")
    page.get_by_label(re.compile(r"^Grid cell size")).fill("250")
    analyst.shot("analyst-07-hotspot-form")
    analyst.assert_accessible("the hotspot analysis form")
    page.get_by_role("button", name="Run").click()
    page.wait_for_load_state()
    job_id = pk_from(page.url, "/analysis/jobs/")
    expect(page.get_by_role("progressbar", name="Progress")).to_be_visible()
    analyst.shot("analyst-08-hotspot-progress", full_page=False)
    seen = _watch_progress_to_the_end(analyst)
    assert seen[-1] == 100, f"the progress bar stopped at {seen}"
    expect(page.locator("#job-progress")).to_contain_text("Succeeded")
    job_map = page.get_by_role("region", name="Result map")
    expect(job_map).to_be_visible()
    expect(job_map.locator(".leaflet-overlay-pane").locator("canvas, path").first).to_be_visible()
    # Readable without a tile server: a scale bar, labelled lines of latitude and longitude,
    # and a key saying what the colours mean after the false-discovery-rate correction.
    expect(job_map.locator(".leaflet-control-scale")).to_be_visible()
    expect(
        job_map.locator(".leaflet-marker-pane").get_by_text(re.compile("°$")).first
    ).to_be_visible()
    key = page.locator("#hotspot-map-key")
    expect(key).to_contain_text("hot spot 99.9%")
    expect(key).to_contain_text("false-discovery-rate correction")
    expect(page.locator("#method-heading")).to_contain_text("Method note")
    analyst.shot("analyst-09-hotspot-map")
    # The feedback-loop check: most drugs offences are found by police activity, so some hot
    # spots hold only with those records. The key says how many and how they are drawn.
    expect(key).to_contain_text(
        re.compile(r"Feedback-loop check: [1-9]\d* significant cells? (is|are) significant only")
    )
    expect(page.locator("#hotspot-key-police-found")).to_contain_text("police-found records")
    page.locator("#hotspot-key-police-found").scroll_into_view_if_needed()
    page.mouse.wheel(0, -260)
    analyst.shot("analyst-09b-feedback-loop-flag", full_page=False)
    analyst.assert_accessible("the hotspot result and its map")
    journey["hotspot_job"] = job_id


def test_analyst_runs_a_network_analysis_and_sees_the_chart(person, journey):
    needs(journey, "report_evaluated")
    analyst = person("analyst")
    page = _run_job(analyst, "Network", "Mill Lane network")
    page.get_by_role("button", name="Run").click()
    page.wait_for_load_state()
    job_id = pk_from(page.url, "/analysis/jobs/")
    seen = _watch_progress_to_the_end(analyst)
    assert seen[-1] == 100, f"the progress bar stopped at {seen}"
    chart = page.get_by_role("img", name="Network chart")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas")).to_be_visible()
    analyst.shot("analyst-10-network-chart")
    analyst.assert_accessible("the network result")
    journey["network_job"] = job_id


def test_analyst_starts_a_problem_profile_citing_both_analyses_and_submits_it(person, journey):
    hotspot, network = needs(journey, "hotspot_job", "network_job")
    analyst = person("analyst")
    page = analyst.page
    analyst.nav("Products", waiting_for="the analytical product pages")
    analyst.justify(CASE, "Problem profile: drug supply in Mill Lane")
    analyst.main.get_by_role("link", name="New product").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Kind of product")).select_option("problem_profile")
    page.get_by_label(re.compile(r"^Title")).fill("Drug supply around Mill Lane")
    page.get_by_label(re.compile(r"^Terms of reference")).fill(
        "Commissioned by the tactical tasking meeting: where and by whom drugs are supplied "
        "around Mill Lane, last 12 months; due before the next meeting."
    )
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_label(re.compile(r"^Handling scheme")).select_option("3x5x2")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    analyst.shot("analyst-11-product-form")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Drug supply around Mill Lane")
    product_pk = pk_from(page.url, "/analysis/products/")

    for job_id in (hotspot, network):
        item = analyst.main.get_by_role("listitem").filter(has_text=f"#{job_id} ")
        item.get_by_role("button", name="Cite").click()
        page.wait_for_load_state()
    cited = analyst.main.get_by_role("heading", name=re.compile("Cited material"))
    expect(cited).to_contain_text("2")

    analyst.main.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(r"^Hotspots")).fill(
        "Significant hot spots (Gi* 99%) concentrate along Mill Lane and the streets off it; "
        "see the cited hotspot analysis."
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    analyst.main.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    expect(heading).to_contain_text("In review")
    analyst.shot("analyst-12-product-in-review", full_page=False)
    analyst.assert_accessible("the product in review")
    journey["product_pk"] = product_pk
    journey["product_reference"] = heading.inner_text().split()[0]


def test_analyst_proposes_a_candidate_priority_and_scores_it(person, journey):
    (reference,) = needs(journey, "product_reference")
    analyst = person("analyst")
    page = analyst.page
    title = f"Mill Lane drug supply ({time.strftime('%d %b %H:%M:%S')})"
    analyst.nav("Tasking", waiting_for="the tasking pages")
    analyst.justify(CASE, "Candidate priority for the tactical meeting")
    analyst.goto("/tasking/priorities/new/")
    page.get_by_label(re.compile(r"^Title")).fill(title)
    page.get_by_label(re.compile(r"^Description")).fill(
        "Open drug dealing from a van and an address on Mill Lane; see the problem profile."
    )
    page.get_by_label(re.compile(r"^Subject")).select_option("place")
    page.get_by_label(re.compile(r"^Place, theme or group name")).fill("Mill Lane")
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="General")
    page.get_by_label(re.compile(r"^Enforcement")).fill("Stop checks around the address.")
    choose(page.get_by_label(re.compile(r"^Evidence")), re.escape(reference))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    priority_pk = pk_from(page.url, "/tasking/priorities/")
    if "/score/" not in page.url:  # the platform may go straight on to scoring
        analyst.main.get_by_role("link", name=re.compile("Score it|Re-score")).click()
        page.wait_for_load_state()
    for select in analyst.main.locator("form[method=post] select").all():
        # the top of each factor's scale: a pressing problem
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        select.select_option(max((v for v in values if v), key=int))
    analyst.shot("analyst-13-priority-score")
    analyst.assert_accessible("the scoring form")
    page.get_by_role("button", name="Score", exact=True).click()
    page.wait_for_load_state()
    analyst.goto(f"/tasking/priorities/{priority_pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Candidate")
    expect(analyst.main).not_to_contain_text("Not scored yet")
    journey["priority_pk"] = priority_pk
    journey["priority_title"] = title
