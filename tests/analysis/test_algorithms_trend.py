"""Trend tables: counts per period and crime type, and the latest period against a baseline of
earlier periods by an exact test on rates per day."""

import math

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from analysis.algorithms.trend import risers_and_fallers, trend


def _series(counts_by_type: dict[str, list[int]], days: list[float] | None = None, **options):
    """A trend over periods p0, p1, ... from per-type counts (every type the same length)."""
    length = len(next(iter(counts_by_type.values())))
    periods = [f"p{k}" for k in range(length)]
    rows = [
        (periods[k], name, n)
        for name, counts in counts_by_type.items()
        for k, n in enumerate(counts)
        if n
    ]
    return trend(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        all_periods=periods,
        days=days or [7.0] * length,
        **options,
    )


def _exact_two_sided(x: int, n: int, p: float) -> float:
    """The two-sided exact binomial p-value (outcomes no likelier than the one seen), written
    out from the binomial formula as an independent reference."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, sum(v for v in pmf if v <= pmf[x] * (1 + 1e-7)))


def test_counts_pivot_by_period_and_quiet_periods_show_as_zero():
    result = trend(
        ["2026-01", "2026-01", "2026-03"],
        ["burglary", "robbery", "burglary"],
        [4, 1, 6],
        all_periods=["2026-01", "2026-02", "2026-03"],
        days=[31, 28, 31],
    )
    assert list(result.table.index) == ["2026-01", "2026-02", "2026-03"]
    assert result.table.loc["2026-02"].tolist() == [0, 0]
    assert result.table.loc["2026-03", "burglary"] == 6


def test_a_noisy_flat_series_is_not_listed_as_a_riser():
    """8 then 12 is a +50% change, and well within the noise of counts that size."""
    result = _series({"burglary": [8, 12]}, min_count=1)
    row = result.changes.loc["burglary"]
    assert row["assessment"] == "no significant change"
    assert row["p_value"] == pytest.approx(_exact_two_sided(12, 20, 0.5))
    risers, fallers = risers_and_fallers(result.changes)
    assert risers.empty and fallers.empty

    alternating = _series({"burglary": [8, 12, 8, 12, 8, 12]})
    risers, _fallers = risers_and_fallers(alternating.changes)
    assert risers.empty


def test_a_real_rise_is_found_against_the_baseline_of_earlier_periods():
    result = _series({"burglary": [5, 6, 4, 5, 25], "robbery": [9, 11, 10, 10, 10]}, baseline=4)
    assert result.baseline_periods == 4
    burglary = result.changes.loc["burglary"]
    assert (burglary["baseline"], burglary["latest"]) == (20, 25)
    assert burglary["baseline_per_day"] == pytest.approx(20 / 28)
    assert burglary["latest_per_day"] == pytest.approx(25 / 7)
    assert burglary["rate_ratio"] == pytest.approx(5.0)
    assert burglary["p_value"] == pytest.approx(_exact_two_sided(25, 45, 7 / 35))
    assert burglary["assessment"] == "rise"
    assert result.changes.loc["robbery", "assessment"] == "no significant change"
    risers, fallers = risers_and_fallers(result.changes)
    assert list(risers.index) == ["burglary"] and fallers.empty


def test_q_values_are_benjamini_hochberg_over_the_crime_types_tested():
    result = _series(
        {
            "burglary": [5, 6, 4, 5, 25],
            "robbery": [9, 11, 10, 10, 10],
            "drugs": [20, 22, 18, 20, 8],
            "asb": [0, 1, 0, 0, 1],  # 2 incidents: too few to test
        },
        min_count=10,
    )
    tested = result.changes[result.changes["tested"]]
    assert set(tested.index) == {"burglary", "robbery", "drugs"}
    expected = false_discovery_control(tested["p_value"].to_numpy(), method="bh")
    assert np.allclose(tested["q_value"].to_numpy(), expected)
    assert result.changes.loc["asb", "assessment"] == "too few to test"
    assert math.isnan(result.changes.loc["asb", "p_value"])
    assert result.changes.loc["drugs", "assessment"] == "fall"


def test_rates_per_day_adjust_for_the_length_of_each_month():
    """28 in February and 31 in March are one a day each: no change."""
    result = trend(
        ["2026-02", "2026-03"],
        ["burglary", "burglary"],
        [28, 31],
        all_periods=["2026-02", "2026-03"],
        days=[28, 31],
        min_count=1,
    )
    row = result.changes.loc["burglary"]
    assert row["latest_per_day"] == pytest.approx(1.0) and row["rate_ratio"] == pytest.approx(1.0)
    assert row["assessment"] == "no significant change"


def test_a_partial_latest_period_is_compared_per_day_it_covers():
    """Seven a week, and three in the three days of the cut-off week: no fall."""
    result = _series({"burglary": [7, 7, 7, 7, 3]}, days=[7, 7, 7, 7, 3], min_count=1)
    row = result.changes.loc["burglary"]
    assert row["latest_days"] == 3 and row["rate_ratio"] == pytest.approx(1.0)
    assert row["assessment"] == "no significant change"
    _risers, fallers = risers_and_fallers(result.changes)
    assert fallers.empty


def test_with_one_period_there_is_nothing_to_compare():
    result = _series({"burglary": [7]})
    assert result.changes.empty and result.baseline_periods == 0
