"""Home-page charts: SVG drawn on the server, escaped, accessible, no inline style or script."""

import re

import pytest

from ilp_platform.core.home import Chart, Panel


def test_a_chart_draws_one_bar_per_value_scaled_to_the_largest():
    svg = str(Chart(summary="Reports", labels=["a", "b"], values=[2, 4]).svg())
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2 and heights[1] == pytest.approx(2 * heights[0])
    assert svg.startswith("<svg ") and svg.endswith("</svg>")


def test_a_chart_escapes_every_text_it_is_given():
    chart = Chart(
        summary='<script>alert("x")</script>', labels=["<b>&", '"><img src=x>'], values=[1, 0]
    )
    svg = str(chart.svg())
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;&amp;" in svg and "&quot;&gt;&lt;img" in svg


def test_a_chart_is_named_for_screen_readers_with_its_figures():
    chart = Chart(
        summary="Events per day", labels=["1", "2"], long_labels=["Mon 1", "Tue 2"], values=[5, 7]
    )
    svg = str(chart.svg())
    assert 'role="img"' in svg
    chart_id = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
    assert f'<title id="{chart_id}">Events per day. Mon 1: 5, Tue 2: 7</title>' in svg
    assert "<title>Tue 2: 7</title>" in svg  # each bar's tooltip spells the day out


def test_a_chart_uses_classes_not_style_and_no_script():
    svg = str(
        Chart(summary="s", labels=["x", "y"], values=[1, 2], tones=["danger", "nonsense"]).svg()
    )
    assert "style=" not in svg and "<script" not in svg and " on" not in svg.replace(" one", "")
    assert 'class="chart-bar tone-danger"' in svg and 'class="chart-bar tone-primary"' in svg


def test_an_empty_or_all_zero_chart_still_draws():
    assert "<svg" in str(Chart(summary="none", labels=[], values=[]).svg())
    svg = str(Chart(summary="zeros", labels=["a"], values=[0]).svg())
    assert 'height="0.0"' in svg or 'height="0"' in svg


def test_a_chart_refuses_mismatched_labels_and_values():
    with pytest.raises(ValueError):
        Chart(summary="s", labels=["a"], values=[1, 2])
    with pytest.raises(ValueError):
        Chart(summary="s", labels=["a"], values=[1], tones=["primary", "danger"])


def test_a_panel_built_the_old_way_still_works_and_has_no_chart():
    panel = Panel("Title", 3, "/x/", [("item", None)], "warning", "note", 5)
    assert panel.chart is None and str(panel.chart_svg) == ""
    with_chart = Panel(title="T", chart=Chart(summary="s", labels=["a"], values=[1]))
    assert str(with_chart.chart_svg).startswith("<svg")
