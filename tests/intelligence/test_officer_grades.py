"""A grade reads in its own scheme's conventional order, with its words: the source evaluation
first, then the intelligence assessment, then the handling code. A 3x5x2 grade of source 2 and
intelligence B is "2B", never "B2" (which a 5x5x5 reader takes for source B)."""

import csv
import io

import pytest
from django.urls import reverse

from intelligence import grading
from intelligence.models import Report
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scheme", "source", "intelligence", "handling", "code"),
    [
        ("3x5x2", "2", "B", "P", "2B P"),
        ("5x5x5", "B", "2", "3", "B2 3"),
        ("4x4", "A", "1", "H0", "A1 H0"),
        ("admiralty", "F", "6", "P", "F6 P"),
    ],
)
def test_every_scheme_writes_the_source_evaluation_first(
    scheme, source, intelligence, handling, code
):
    assert grading.full_code(scheme, source, intelligence, handling) == code
    parts = grading.axes(scheme, source, intelligence, handling)
    assert [p["axis"] for p in parts] == [grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING]
    assert [p["code"] for p in parts] == [source, intelligence, handling]
    assert all(p["meaning"] for p in parts)


def test_a_3x5x2_grade_names_each_code_by_its_axis_in_words():
    assert grading.describe("3x5x2", "2", "B") == (
        "2B — source evaluation 2: Untested; "
        "intelligence assessment B: Known indirectly to the source but corroborated"
    )
    assert grading.describe("5x5x5", "B", "2").startswith(
        "B2 — source evaluation B: Mostly reliable; intelligence assessment 2: "
    )


def test_the_report_page_and_list_show_the_3x5x2_grade_source_first(world, login):
    report = make_report(world)  # 3x5x2, source 2, intelligence B, handling P
    client = login(world.manager)
    body = client.get(report.get_absolute_url()).content.decode()
    assert ">2B P</span>" in body and ">B2" not in body
    assert 'Source evaluation</span> <strong class="grade-badge">2</strong>: Untested' in body
    assert "Known indirectly to the source but corroborated" in body
    listing = client.get(reverse("intelligence:report_list")).content.decode()
    assert ">2B</span>" in listing and ">B2<" not in listing


def test_the_grading_history_reads_in_the_same_order(world, login):
    report = make_report(world, evaluate=False)
    from intelligence.services.reports import evaluate_report
    from tests.intelligence.helpers import as_user

    with as_user(world.analyst):
        evaluate_report(
            report,
            actor=world.analyst,
            grading_data={"intelligence_assessment": "C"},
            sanitised_text="A man is seen in Easton.",
            reason="Not corroborated",
        )
    history = report.gradings.get()
    assert (history.old_description, history.new_description) == ("2B P", "2C P")


def test_the_report_export_carries_the_grade_in_its_schemes_order(world, login):
    make_report(world)
    make_report(
        world,
        grading_scheme="5x5x5",
        source_evaluation="C",
        intelligence_assessment="3",
        handling_code="1",
    )
    client = login(world.manager)
    response = client.get(reverse("intelligence:report_list") + "?export=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["grade"] for r in rows) == ["2B P", "C3 1"]
    assert Report.objects.count() == 2


def test_a_product_citation_frozen_with_the_old_letter_first_code_reads_source_first():
    from django.template import Context, Template

    snapshot = {
        "grading": {
            "scheme": "3x5x2",
            "source_evaluation": "2",
            "intelligence_assessment": "B",
            "code": "B2",  # as frozen before the display was corrected
            "in_words": "B2 — Known indirectly to the source but corroborated / Untested",
        },
        "handling": {"scheme": "3x5x2", "code": "P", "meaning": "", "conditions": ""},
        "urn": "IR-2026-000001",
        "sanitised_text": "text",
    }
    html = Template('{% include "analysis/_product_citation.html" %}').render(
        Context({"citation": {"kind": "report", "snapshot": snapshot, "note": ""}})
    )
    assert ">2B</span>" in html and "B2" not in html
    assert "source evaluation 2: Untested" in html
