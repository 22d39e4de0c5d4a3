"""Trends: counts per period per crime type, period-on-period change, risers and fallers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class TrendResult:
    table: pd.DataFrame  # rows: periods (ascending), columns: crime types, values: counts
    changes: pd.DataFrame  # one row per crime type: previous, latest, change, change_pct


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


def period_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Latest period against the one before, per crime type, biggest rises first.

    ``change_pct`` is None when the previous period had no events (a rise from zero has no
    percentage).
    """
    if len(table) == 0:
        return pd.DataFrame(columns=["previous", "latest", "change", "change_pct"])
    latest = table.iloc[-1]
    previous = table.iloc[-2] if len(table) > 1 else latest * 0
    change = latest - previous
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, 100.0 * change / previous.replace(0, np.nan), np.nan)
    frame = pd.DataFrame(
        {
            "previous": previous.astype(np.int64),
            "latest": latest.astype(np.int64),
            "change": change.astype(np.int64),
            "change_pct": pct,
        }
    )
    return frame.sort_values(["change", "latest"], ascending=[False, False])


def risers_and_fallers(changes: pd.DataFrame, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` biggest rises (change > 0) and falls (change < 0)."""
    risers = changes[changes["change"] > 0].head(n)
    fallers = changes[changes["change"] < 0].sort_values("change").head(n)
    return risers, fallers


def trend(periods, crime_types, counts, all_periods=None) -> TrendResult:
    table = counts_table(periods, crime_types, counts, all_periods)
    return TrendResult(table=table, changes=period_changes(table))
