"""Oversight: who consulted the report and why, the chain intact, the log exported; and no
access to the intelligence itself.

Builds on the officer's report and the analyst's consultation of it.
"""

import csv
import io
import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import date_shape, needs, wide_on_a_phone

pytestmark = pytest.mark.e2e

CASE = "OP-KESTREL"


def _filter_log(oversight, **values) -> None:
    page = oversight.page
    form = oversight.main.locator("form").first
    for label, value in values.items():
        field = form.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name="Filter").click()
    # The list refreshes in place and the address follows the filter.
    page.wait_for_url(re.compile(r"[?&]actor=" + re.escape(values["Person (name or username)"])))
    oversight.settle()


def test_oversight_finds_the_analysts_consultation_with_its_justification(person, journey):
    urn, pk = needs(journey, "report_urn", "report_pk", "report_evaluated")[:2]
    oversight = person("oversight")
    page = oversight.page
    oversight.shot("oversight-01-home")
    oversight.assert_accessible("the oversight home page")
    oversight.nav("Audit log")
    _filter_log(
        oversight,
        **{
            # The report by its URN, the person by name, the kind of record in words.
            "Reference": urn,
            "Person (name or username)": "analyst",
            "Action": "view",
            "Kind of record": "intelligence.report",
        },
    )
    rows = page.locator("#event-rows tbody tr")
    expect(rows.first).to_contain_text("analyst")
    expect(rows.first).to_contain_text(f"Intelligence report {pk}")
    expect(rows.filter(has_text=CASE).first).to_be_visible()
    expect(page.locator("#event-rows")).not_to_contain_text("No events match")
    assert all("analyst" in row.inner_text() for row in rows.all()), (
        "the filter let through another person's events"
    )
    oversight.shot("oversight-02-consultations-of-the-report", full_page=False)
    oversight.assert_accessible("the filtered audit log")
    journey["oversight_filter"] = page.url


def test_oversight_asks_the_log_in_words_sorts_and_exports_and_runs_the_anomaly_check(
    person, tmp_path
):
    """Standalone (the demo data only): a report's events found by its URN, the kind of record
    chosen from words, the log sorted by a column, the anomalies page in the menu with when the
    check last ran and Run now followed to its end, and its list sorted and exported."""
    # An analyst opens a report (the demo's seed logs its reports as one bulk event).
    analyst = person("analyst")
    analyst.goto("/intelligence/reports/")
    analyst.justify(CASE, "Checking a report for the oversight journey")
    link = analyst.main.get_by_role("link", name=re.compile(r"^IR-\d{4}-\d+$")).first
    urn = link.inner_text().strip()
    link.click()
    analyst.page.wait_for_load_state()
    analyst.justify(CASE, "Checking a report for the oversight journey")
    expect(analyst.page.get_by_role("heading", level=1)).to_contain_text(urn)

    oversight = person("oversight")
    page = oversight.page
    oversight.nav("Audit log")
    form = oversight.main.locator("form").first
    kinds = form.get_by_label("Kind of record", exact=True)
    expect(kinds.locator("option", has_text="Intelligence report")).to_have_count(1)
    assert "intelligence.report" not in kinds.locator("option").all_inner_texts()
    kinds.select_option(label="Intelligence report")
    form.get_by_label("Reference", exact=True).fill(urn.lower())
    form.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"reference="))
    oversight.settle()
    rows = page.locator("#event-rows tbody tr")
    expect(rows.first).to_contain_text("Intelligence report")
    objects = page.locator("#event-rows tbody tr td:nth-child(5) > a").all_inner_texts()
    assert objects and len({o.strip() for o in objects}) == 1, objects
    # Sorted by person, then the other way.
    page.locator("#event-rows thead").get_by_role("link", name=re.compile(r"^Person")).click()
    page.wait_for_load_state()
    header = page.locator("#event-rows thead th[aria-sort]")
    expect(header).to_contain_text("Person")
    expect(header).to_have_attribute("aria-sort", "ascending")
    people = page.locator("#event-rows tbody tr td:nth-child(3)").all_inner_texts()
    assert people == sorted(people), people
    oversight.shot("oversight-05-events-by-reference", full_page=False)

    oversight.nav("Anomalies")
    run = oversight.main.locator("#anomaly-run")
    before = run.inner_text()
    assert "Last checked" in before or "has not run yet" in before, before
    page.get_by_role("button", name="Run now").click()
    page.wait_for_load_state()
    assert "requested=" in page.url
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if "Finished" in run.inner_text():
            break
        page.wait_for_timeout(1000)
    expect(run).to_contain_text("Last checked")
    expect(run).to_contain_text("Finished")
    assert re.search(date_shape().pattern + " UTC", run.inner_text())
    oversight.shot("oversight-06-anomalies-run-now", full_page=False)
    oversight.assert_accessible("the anomalies page")
    table = oversight.main.locator("#anomaly-table")
    table.get_by_role("link", name=re.compile(r"^Events")).click()
    page.wait_for_load_state()
    expect(table.locator("th[aria-sort]")).to_contain_text("Events")
    name, content = oversight.download(
        oversight.main.get_by_role("link", name="Export CSV"), tmp_path
    )
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    counts = [int(row["event_count"]) for row in rows]
    assert counts == sorted(counts), counts  # the order shown


def test_oversight_sees_the_audit_chain_verified(person):
    oversight = person("oversight")
    page = oversight.page
    oversight.nav("Integrity")
    # The worker verifies in the background; the panel says so and shows the result when it
    # ends, without a reload.
    latest = oversight.main.locator("#latest-verification")
    before = latest.inner_text()
    page.get_by_role("button", name="Verify now").click()
    page.wait_for_load_state()
    assert "requested=" in page.url
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = latest.inner_text()
        if now != before and "Verifying" not in now:
            break
        page.wait_for_timeout(1000)
    assert latest.inner_text() != before, "no new verification within a minute"
    expect(latest).to_contain_text("Chain intact")
    expect(oversight.main.get_by_role("table")).not_to_contain_text("broken")
    oversight.shot("oversight-03-integrity")
    oversight.assert_accessible("the integrity page")


def test_oversight_exports_the_filtered_log(person, journey, tmp_path):
    (filtered,) = needs(journey, "oversight_filter")
    urn, pk = needs(journey, "report_urn", "report_pk")
    oversight = person("oversight")
    oversight.page.goto(filtered)
    oversight.page.wait_for_load_state()
    name, content = oversight.download(
        oversight.main.get_by_role("link", name="Export CSV"), tmp_path
    )
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows, "the export is empty"
    assert {row.get("actor") or row.get("actor_username") for row in rows} == {"analyst"}
    assert all(str(pk) == row.get("object_id") for row in rows)
    assert any(CASE in (row.get("justification") or "") for row in rows)


def test_oversight_is_refused_the_reports_content(person, journey):
    urn, pk = needs(journey, "report_urn", "report_pk")
    oversight = person("oversight")
    page = oversight.page
    response = oversight.goto(f"/intelligence/reports/{pk}/")
    assert response.status in (403, 404), f"oversight got {response.status} for the report"
    body = page.locator("body").inner_text()
    assert "Mill Lane" not in body and "AB12CDE" not in body, "report content leaked"
    assert not re.search(re.escape(urn), body), "the refusal names the report"
    oversight.shot("oversight-04-report-refused")
    oversight.assert_accessible("the refusal page")


def test_the_oversight_console_fits_a_phone(person):
    """At 390 px the console's pages scroll up and down only (the log's table scrolls inside
    its own box); screenshots for the guide."""
    oversight = person("oversight")
    wide = wide_on_a_phone(
        oversight,
        {
            "oversight-10-home-phone": "/",
            "oversight-11-audit-log-phone": "/audit/events/",
            "oversight-12-integrity-phone": "/audit/integrity/",
            "oversight-13-anomalies-phone": "/audit/anomalies/",
        },
    )
    assert not wide, f"wider than a 390 px phone: {wide}"
