"""Trend tables: counts per period and crime type, change on the period before."""

import math

from analysis.algorithms.trend import risers_and_fallers, trend


def test_counts_pivot_by_period_and_quiet_periods_show_as_zero():
    result = trend(
        ["2026-01", "2026-01", "2026-03"],
        ["burglary", "robbery", "burglary"],
        [4, 1, 6],
        all_periods=["2026-01", "2026-02", "2026-03"],
    )
    assert list(result.table.index) == ["2026-01", "2026-02", "2026-03"]
    assert result.table.loc["2026-02"].tolist() == [0, 0]
    assert result.table.loc["2026-03", "burglary"] == 6


def test_risers_and_fallers_compare_the_latest_period_with_the_one_before():
    result = trend(
        ["w1", "w1", "w1", "w2", "w2", "w2"],
        ["burglary", "robbery", "drugs", "burglary", "robbery", "asb"],
        [10, 5, 2, 15, 1, 3],
    )
    changes = result.changes
    assert changes.loc["burglary", "change"] == 5
    assert changes.loc["burglary", "change_pct"] == 50.0
    assert changes.loc["robbery", "change"] == -4
    assert math.isnan(changes.loc["asb", "change_pct"])  # rise from zero has no percentage
    risers, fallers = risers_and_fallers(changes, n=2)
    assert list(risers.index) == ["burglary", "asb"]
    assert list(fallers.index) == ["robbery", "drugs"]
