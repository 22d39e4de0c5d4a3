"""Trends: counts per period per crime type, and whether the latest period's rate differs from
the rate of the periods before it by more than chance.

Method. Counts are compared as rates per day, so a 31-day month is not a rise on a 28-day one
and a period cut short by the end of the selection is compared over the days it covers. For each
crime type, the latest period's count ``x`` over ``t1`` days is compared with the count ``b`` of
a baseline of up to ``baseline`` earlier periods over ``t0`` days. If both are Poisson with the
same daily rate, then given their total ``n = x + b``, ``x`` is binomial with ``n`` trials and
probability ``t1 / (t0 + t1)``: the exact conditional test of two Poisson rates (Przyborowski
and Wilenski, 1940), two-sided. Crime types with fewer than ``min_count`` incidents in the latest
period and the baseline together are not tested (too few for any change to be told from noise).
The p-values of the types tested are corrected for testing several types at once by the
Benjamini-Hochberg false discovery rate; a type is a riser or a faller when its corrected
q-value is at most the significance level ``alpha``.

Limits: the test assumes incidents arrive independently at a steady rate within the latest
period and within the baseline; repeat victimisation, a series by one offender or a recording
change break that, and seasonality is not removed (compare with the same period last year for
strongly seasonal crime). A period cut short is assumed to run at its own average rate, so a
cut-off on a quiet weekday understates it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest, false_discovery_control

RISE = "rise"
FALL = "fall"
NO_CHANGE = "no significant change"
TOO_FEW = "too few to test"

CHANGE_COLUMNS = [
    "baseline",
    "baseline_days",
    "baseline_per_day",
    "latest",
    "latest_days",
    "latest_per_day",
    "rate_ratio",
    "change_pct",
    "p_value",
    "q_value",
    "tested",
    "assessment",
]


@dataclass
class TrendResult:
    table: pd.DataFrame  # rows: periods (ascending), columns: crime types, values: counts
    days: pd.Series  # days each period covers (fewer for a period cut by the selection)
    changes: pd.DataFrame  # one row per crime type: ``CHANGE_COLUMNS``
    baseline_periods: int  # earlier periods the latest one was compared with


def counts_table(periods, crime_types, counts, all_periods=None) -> pd.DataFrame:
    """Pivot (period, crime type, count) rows into a period x crime type table of counts.

    ``all_periods`` fills periods with no events with zeros, so a quiet week shows as 0.
    """
    frame = pd.DataFrame({"period": periods, "crime_type": crime_types, "count": counts})
    table = frame.pivot_table(
        index="period", columns="crime_type", values="count", aggfunc="sum", fill_value=0
    )
    if all_periods is not None:
        table = table.reindex(list(all_periods), fill_value=0)
    table = table.sort_index().astype(np.int64)
    table.columns.name = None
    return table


def compare_latest(
    table: pd.DataFrame,
    days: pd.Series,
    *,
    baseline: int = 4,
    alpha: float = 0.05,
    min_count: int = 10,
) -> tuple[pd.DataFrame, int]:
    """The latest period against up to ``baseline`` periods before it, per crime type, as
    described in the module's docstring; rises first (smallest q-value first), then falls,
    then the rest. Returns the table and the number of baseline periods used."""
    if len(table) < 2 or baseline < 1:
        return pd.DataFrame(columns=CHANGE_COLUMNS), 0
    base_rows = table.iloc[max(0, len(table) - 1 - baseline) : -1]
    used = len(base_rows)
    t1 = float(days.iloc[-1])
    t0 = float(days.iloc[-1 - used : -1].sum())
    latest = table.iloc[-1].astype(np.int64)
    base = base_rows.sum(axis=0).astype(np.int64)
    total = latest + base
    tested = (total >= max(1, min_count)).to_numpy()
    share = t1 / (t0 + t1)
    p_values = np.full(len(table.columns), np.nan)
    for k in np.flatnonzero(tested):
        p_values[k] = binomtest(int(latest.iloc[k]), int(total.iloc[k]), share).pvalue
    q_values = np.full(len(table.columns), np.nan)
    if tested.any():
        q_values[tested] = false_discovery_control(p_values[tested], method="bh")
    latest_rate = latest.to_numpy() / t1
    base_rate = base.to_numpy() / t0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(base_rate > 0, latest_rate / base_rate, np.nan)
    significant = tested & (q_values <= alpha)
    assessment = np.where(
        ~tested,
        TOO_FEW,
        np.where(
            significant & (latest_rate > base_rate),
            RISE,
            np.where(significant & (latest_rate < base_rate), FALL, NO_CHANGE),
        ),
    )
    frame = pd.DataFrame(
        {
            "baseline": base.to_numpy(),
            "baseline_days": t0,
            "baseline_per_day": base_rate,
            "latest": latest.to_numpy(),
            "latest_days": t1,
            "latest_per_day": latest_rate,
            "rate_ratio": ratio,
            "change_pct": 100.0 * (ratio - 1.0),
            "p_value": p_values,
            "q_value": q_values,
            "tested": tested,
            "assessment": assessment,
        },
        index=table.columns,
    )
    order = frame["assessment"].map({RISE: 0, FALL: 1, NO_CHANGE: 2, TOO_FEW: 3})
    frame = frame.assign(_order=order, _rate=-frame["latest_per_day"])
    frame = frame.sort_values(["_order", "q_value", "_rate"], na_position="last", kind="stable")
    return frame.drop(columns=["_order", "_rate"]), used


def risers_and_fallers(changes: pd.DataFrame, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` significant rises and falls, the strongest evidence (smallest q) first."""
    risers = changes[changes["assessment"] == RISE].head(n)
    fallers = changes[changes["assessment"] == FALL].head(n)
    return risers, fallers


def trend(
    periods,
    crime_types,
    counts,
    all_periods=None,
    *,
    days=None,
    baseline: int = 4,
    alpha: float = 0.05,
    min_count: int = 10,
) -> TrendResult:
    """Counts per period and crime type, and the latest period against the baseline.

    ``days`` gives the days each period of ``all_periods`` (or of the periods seen) covers;
    without it every period counts as one day, so rates are per period.
    """
    table = counts_table(periods, crime_types, counts, all_periods)
    covered = pd.Series(
        np.ones(len(table)) if days is None else np.asarray(days, dtype=float), index=table.index
    )
    changes, used = compare_latest(
        table, covered, baseline=baseline, alpha=alpha, min_count=min_count
    )
    return TrendResult(table=table, days=covered, changes=changes, baseline_periods=used)
