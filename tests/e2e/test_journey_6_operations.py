"""The analyst's workbench: an operation opened and filled, its page with chart and timeline,
the justification naming it, an entity page as a starting point, and an outsider who sees none
of it. Uses the demo data only (operation Nightjar and its entities), so it runs on its own."""

import csv
import io
import re
import time
import xml.etree.ElementTree as ET
import zipfile

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


def _chart_size(page) -> dict:
    return page.evaluate(
        "() => ({nodes: window.linkChart.network.body.data.nodes.length,"
        " edges: window.linkChart.network.body.data.edges.length})"
    )


def _shown(page) -> dict:
    """What the filters leave drawn."""
    return page.evaluate(
        "() => { const d = window.linkChart.network.body.data, shown = (x) => !x.hidden;"
        " return {nodes: d.nodes.get({filter: shown}).length,"
        " edges: d.edges.get({filter: shown}).length}; }"
    )


SVG = "{http://www.w3.org/2000/svg}"


def test_analyst_builds_a_link_chart_finds_a_path_saves_reopens_and_exports_it(
    person, platform, browser, tmp_path
):
    analyst = person("analyst")
    page = analyst.page
    analyst.goto("/operations/")
    analyst.justify("OP-NIGHTJAR", "Charting the supply network")
    analyst.main.get_by_role("link", name="OP-NIGHTJAR").click()
    page.wait_for_load_state()
    # The demo operation has a saved chart; the entity to start from is one of its own.
    expect(
        page.locator("#op-charts").get_by_role("link", name="Nightjar supply network")
    ).to_be_visible()
    start = page.locator("#op-entities li a").first.inner_text()
    page.locator("#op-charts").get_by_role("link", name="New chart").click()
    page.get_by_label("Title").fill(f"Kite chart {REFERENCE}")
    page.get_by_role("button", name="Create the chart").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kite chart")
    page.wait_for_function("() => window.linkChart !== undefined")

    # Start from an entity picked by typing part of its name, then expand it.
    box = page.get_by_role("combobox", name="Place an entity")
    box.press_sequentially(start[:5], delay=30)
    option = page.get_by_role("option", name=re.compile(re.escape(start))).first
    expect(option).to_be_visible()
    option.click()
    page.get_by_role("button", name="Place", exact=True).click()
    status = page.locator("#chart-status")
    expect(status).to_contain_text("Entities added: 1")
    expect(page.get_by_role("button", name="Expand")).to_be_enabled()
    status.evaluate("node => { node.textContent = ''; }")
    page.get_by_role("button", name="Expand").click()
    expect(status).to_contain_text("Entities added:")
    page.wait_for_function("() => window.linkChart.network.body.data.nodes.length > 2")

    # One of its neighbours expanded too: the chart grows by expansion.
    first = set(page.evaluate("() => window.linkChart.network.body.data.nodes.getIds()"))
    origin = page.locator("#chart-path-from option", has_text=start).first.get_attribute("value")
    later: set = set()
    for neighbour in sorted(first - {int(origin)}):
        page.evaluate(f"() => window.linkChart.select({neighbour})")
        status.evaluate("node => { node.textContent = ''; }")
        page.get_by_role("button", name="Expand").click()
        expect(status).to_contain_text(re.compile("Entities added|No further entities"))
        later = set(page.evaluate("() => window.linkChart.network.body.data.nodes.getIds()"))
        if later - first:
            break
    assert later - first, "no neighbour of the start entity leads further"
    page.get_by_role("button", name="Lay out").click()
    page.wait_for_function("() => window.linkChart.settled")

    # A shortest path from an entity of the second ring to another neighbour of the start,
    # drawn in red.
    far = sorted(later - first)[0]
    near = sorted(first - {int(origin), neighbour})[-1]
    page.get_by_label("Path from").select_option(str(far))
    page.get_by_label("to", exact=True).select_option(str(near))
    page.get_by_role("button", name="Find path").click()
    expect(status).to_contain_text("Links on the shortest path")
    # The compartments and dates of what came from the graph are asked for after it.
    page.wait_for_function("() => window.linkChart.idle()")
    built = _chart_size(page)
    assert built["nodes"] > len(first) and built["edges"] >= built["nodes"] - 1
    page.get_by_role("button", name="Fit").click()
    analyst.shot("analyst-24-link-chart")

    # Saved, then reopened from the operation page as it was.
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("Chart saved")
    chart_url = page.url
    positions = page.evaluate("() => window.linkChart.network.getPositions()")
    page.get_by_role("link", name="OP-NIGHTJAR").click()
    page.locator("#op-charts").get_by_role("link", name=f"Kite chart {REFERENCE}").click()
    page.wait_for_function("() => window.linkChart !== undefined")
    assert page.url == chart_url
    assert _chart_size(page) == built
    again = page.evaluate("() => window.linkChart.network.getPositions()")
    for key, spot in positions.items():
        assert abs(again[key]["x"] - spot["x"]) < 1 and abs(again[key]["y"] - spot["y"]) < 1

    # The details of a node, with a link to its entity page.
    page.evaluate(f"() => window.linkChart.select({origin})")
    expect(
        page.locator("#chart-details").get_by_role("link", name="Open the entity's page")
    ).to_be_visible()

    # The date filter: every demo link was recorded when the demo was seeded, so links
    # recorded until a day long past are none; the entities stay. The SVG export follows it.
    # A day in the page's shape (English: day first); the box reads it when left.
    page.locator("#filter-until").fill("01/01/2001")
    page.locator("#filter-until").press("Tab")
    page.wait_for_function(
        "() => window.linkChart.network.body.data.edges.get({filter: (e) => !e.hidden}).length"
        " === 0"
    )
    assert _shown(page) == {"nodes": built["nodes"], "edges": 0}
    svg_link = page.get_by_role("link", name="Export SVG")
    assert svg_link.get_attribute("href").endswith("?until=2001-01-01")
    analyst.shot("analyst-24c-link-chart-date-filter")
    name, content = analyst.download(svg_link, tmp_path)
    assert name.endswith(".svg")
    picture = ET.fromstring(content)
    assert len(picture.find(f".//{SVG}g[@class='entities']")) == built["nodes"]
    assert len(picture.find(f".//{SVG}g[@class='links']")) == 0
    page.locator("#filter-until").fill("")
    page.locator("#filter-since").fill("2001-01-01")  # ISO 8601 is read too
    page.locator("#filter-since").press("Tab")
    page.wait_for_function(
        "(n) => window.linkChart.network.body.data.edges.get({filter: (e) => !e.hidden}).length"
        " === n",
        arg=built["edges"],
    )
    name, content = analyst.download(page.get_by_role("link", name="Export SVG"), tmp_path)
    picture = ET.fromstring(content)
    assert len(picture.find(f".//{SVG}g[@class='links']")) == built["edges"]

    # CSV: a zip of the nodes and the edges, as drawn.
    name, content = analyst.download(page.get_by_role("link", name="Export CSV"), tmp_path)
    assert name.endswith(".csv.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rows = {
            part: list(csv.DictReader(io.StringIO(archive.read(part).decode())))
            for part in ("nodes.csv", "edges.csv")
        }
    assert len(rows["nodes.csv"]) == built["nodes"] and len(rows["edges.csv"]) == built["edges"]
    assert start in {row["name"] for row in rows["nodes.csv"]}

    # Exports: PNG from the canvas, GraphML from the server.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export PNG").click()
    png = tmp_path / info.value.suggested_filename
    info.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    name, content = analyst.download(page.get_by_role("link", name="Export GraphML"), tmp_path)
    assert name.endswith(".graphml")
    text = content.decode()
    assert "<graphml" in text and text.count("<node ") == built["nodes"]
    assert text.count("<edge ") == built["edges"]
    analyst.assert_accessible("a link chart")

    # Two more starting points: what a search finds, and every entity the operation gathers.
    status.evaluate("node => { node.textContent = ''; }")
    page.get_by_label("Place what a search finds").fill(start[:5])
    page.get_by_role("button", name="Search and place").click()
    expect(status).to_contain_text("Entities found:")
    before = _chart_size(page)["nodes"]
    page.get_by_role("button", name="Place the entities of OP-NIGHTJAR").click()
    expect(status).to_contain_text("Entities of the operation added:")
    page.wait_for_function("() => window.linkChart.idle()")
    assert _chart_size(page)["nodes"] >= before

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    analyst.shot("analyst-24b-link-chart-phone")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Under the real Content-Security-Policy (no bypass): the chart raises no console error.
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, base_url=platform.base_url
    )
    try:
        from tests.e2e.conftest import Person
        from tests.e2e.platform import DEMO_PASSWORD

        strict = Person(context, context.new_page(), platform, "analyst", DEMO_PASSWORD)
        errors: list[str] = []
        strict.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        strict.page.on("pageerror", lambda e: errors.append(str(e)))
        strict.sign_in()
        strict.page.goto(chart_url)
        strict.justify("OP-NIGHTJAR", "Charting the supply network")
        strict.page.wait_for_function("() => window.linkChart !== undefined")
        strict.page.wait_for_timeout(500)
        assert not errors, errors
    finally:
        context.close()


def test_an_officer_cannot_open_a_chart(person):
    officer = person("officer")
    response = officer.page.goto(officer.url("/operations/charts/1/"))
    assert response.status == 403


# Run on the platform's own database: an entity of the demo's general compartment and an
# evaluated report of it that does not name it yet; then that report is linked to the entity by
# another analyst, through the service (what the report page's "Link an entity" does).
_PICK = """
from intelligence.models import Entity, Report
entity = Entity.objects.filter(compartment__slug="general", kind="person").order_by("pk").first()
report = (Report.objects.filter(compartment__slug="general", status="evaluated")
          .exclude(entity_links__entity=entity).order_by("-pk").first())
print(entity.pk, report.pk, report.urn)
"""
_LINK = """
from ilp_platform.accounts.models import User
from ilp_platform.core import context
from intelligence.models import Entity, Report
from intelligence.services.entities import link_entity_to_report
actor = User.objects.get(username="analyst")
with context.acting(user=actor, justification="OP-E2E journey", via="command"):
    link_entity_to_report(Report.objects.get(pk={report}), Entity.objects.get(pk={entity}),
                          actor=actor, subject_category="suspect")
"""


def test_a_watcher_is_notified_of_a_new_report_naming_the_entity(person):
    watcher = person("analyst2")
    page = watcher.page
    picked = watcher.platform.manage("shell", "-c", _PICK)
    assert picked.returncode == 0, picked.stderr
    entity, report, urn = picked.stdout.split()[-3:]
    watcher.goto(f"/intelligence/entities/{entity}/")
    watcher.justify("OP-NIGHTJAR", "Following a person of the operation")
    watcher.goto(f"/intelligence/entities/{entity}/")
    watcher.main.get_by_role("button", name="Watch").click()
    page.wait_for_load_state()
    expect(watcher.main.get_by_role("button", name="Stop watching")).to_be_visible()
    bell = page.get_by_role("link", name=re.compile(r"^Notifications, \d+ unread"))
    before = int(re.search(r"(\d+) unread", bell.get_attribute("aria-label")).group(1))

    linked = watcher.platform.manage(
        "shell", "-c", _LINK.format(report=int(report), entity=int(entity))
    )
    assert linked.returncode == 0, linked.stderr

    watcher.goto(f"/intelligence/entities/{entity}/")
    expect(bell).to_have_attribute("aria-label", f"Notifications, {before + 1} unread")
    bell.click()
    page.wait_for_load_state()
    item = watcher.main.get_by_role("link", name=re.compile(urn))
    expect(item.first).to_be_visible()
    watcher.shot("analyst-26-notification-watched-entity")
    item.first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text(urn)
