"""Server-side SVG charts: well-formed XML, every piece of text escaped, no script or style."""

import xml.etree.ElementTree as ET

import pytest

from analysis import charts

HOSTILE = '<script>alert("x")</script> & "quotes" \' onload=1'


def _parse(svg: str):
    return ET.fromstring(svg)


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart(HOSTILE, [HOSTILE, "b"], [3, 0], value_label=HOSTILE),
        charts.line_chart(HOSTILE, ["w1", HOSTILE], [(HOSTILE, [1, 2]), ("b", [0, 5])]),
        charts.heat_map(HOSTILE, [HOSTILE], ["00", "01"], [[0.5, 2.0]]),
        charts.knox_table_chart(HOSTILE, [HOSTILE], ["0-7 days"], [[2.5]], [[0.01]]),
    ],
)
def test_charts_are_well_formed_and_hostile_text_stays_text(svg):
    root = _parse(svg)
    assert root.tag.endswith("svg")
    assert "<script" not in svg and "style=" not in svg
    texts = " ".join(el.text or "" for el in root.iter())
    assert '<script>alert("x")</script>' in texts  # shown as text, after XML unescaping


def test_a_bar_chart_draws_one_bar_per_value_with_its_value_in_the_tooltip():
    root = _parse(charts.bar_chart("Counts", ["a", "b", "c"], [1, 4, 2]))
    bars = [el for el in root.iter() if el.tag.endswith("rect") and el.find("{*}title") is not None]
    assert [bar.find("{*}title").text for bar in bars] == ["a: 1", "b: 4", "c: 2"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == max(heights) and heights[1] == pytest.approx(2 * heights[2])


def test_an_empty_chart_still_renders():
    assert _parse(charts.bar_chart("Nothing", [], []))
    assert _parse(charts.line_chart("Nothing", [], []))
