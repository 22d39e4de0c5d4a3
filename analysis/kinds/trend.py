"""Trend: how counts change, per week or month and crime type, with the biggest risers and
fallers on the period before."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import charts, selectors
from analysis.algorithms import trend
from analysis.algorithms.geo import points_in_polygon
from analysis.kinds import registry
from analysis.kinds.params import CHOICE, INTEGER, Param
from analysis.kinds.shared import (
    MAX_INCIDENTS,
    guarded_count,
    incident_filter,
    rounded,
    table,
    wall_seconds,
)
from ilp_platform.core.jobs import JobError
from intelligence.models import CrimeType

PARAMS = (
    Param(
        "period",
        label=gettext_lazy("Period"),
        type=CHOICE,
        default="week",
        choices=(
            ("week", gettext_lazy("Week (Monday to Sunday)")),
            ("month", gettext_lazy("Calendar month")),
        ),
        invalid=gettext_lazy("Choose week or month."),
        help=gettext_lazy("Counts per period; the latest period is compared with the one before."),
    ),
    Param(
        "top_n",
        label=gettext_lazy("Risers and fallers to list"),
        type=INTEGER,
        default=5,
        minimum=1,
        maximum=50,
        help=gettext_lazy("How many crime types to list among the biggest rises and falls (1-50)."),
    ),
)


def _period_starts(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    out = []
    if period == "month":
        current = first.replace(day=1)
        while current <= last:
            out.append(current)
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    else:
        current = first - dt.timedelta(days=first.weekday())
        while current <= last:
            out.append(current)
            current += dt.timedelta(days=7)
    return out


def _period_end(start: dt.date, period: str) -> dt.date:
    """The last day of the period starting on ``start``."""
    if period == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start + dt.timedelta(days=6)


def run(user, params, compartment_ids, progress) -> dict:
    selection = incident_filter(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = guarded_count(qs, MAX_INCIDENTS)
    period = params["period"]
    names = selectors.crime_type_names(qs)
    polygon = params.get("polygon")
    progress(10, _("Counting per period and crime type"))
    if polygon:
        start, type_id, lon, lat = selectors.stream(
            qs,
            selectors.EpochSeconds("occurred_from"),
            "crime_type_id",
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(10 + 50 * f),
        )
        inside = points_in_polygon(lon, lat, polygon)
        slugs = dict(CrimeType.objects.values_list("pk", "slug"))
        local = pd.to_datetime(np.round(wall_seconds(start[inside]) - 3 * 86400), unit="s")
        frame = pd.DataFrame(
            {"day": local.normalize(), "slug": [slugs[int(t)] for t in type_id[inside]]}
        )
        if period == "month":
            frame["period"] = frame["day"].dt.to_period("M").dt.start_time.dt.date
        else:
            frame["period"] = (frame["day"] - pd.to_timedelta(frame["day"].dt.weekday, "D")).dt.date
        grouped = frame.groupby(["period", "slug"]).size()
        rows = [(p, s, int(n)) for (p, s), n in grouped.items()]
        count = int(inside.sum())
        if count == 0:
            raise JobError(_("No incident you may read lies inside the polygon; widen the area."))
    else:
        rows = selectors.period_counts(qs, period)
    progress(70, _("Comparing periods"))
    seen = [r[0] for r in rows]
    first = dt.date.fromisoformat(params["date_from"]) if params.get("date_from") else min(seen)
    last = dt.date.fromisoformat(params["date_to"]) if params.get("date_to") else max(seen)
    periods = _period_starts(min(first, min(seen)), max(last, max(seen)), period)
    result = trend.trend(
        [r[0] for r in rows], [names.get(r[1], r[1]) for r in rows], [r[2] for r in rows], periods
    )
    per_period = result.table
    risers, fallers = trend.risers_and_fallers(result.changes, params["top_n"])
    progress(85, _("Building the charts"))
    label = (lambda d: d.strftime("%Y-%m")) if period == "month" else (lambda d: d.isoformat())
    period_labels = [label(d) for d in per_period.index]
    totals = per_period.sum(axis=1)
    top_types = list(per_period.sum(axis=0).sort_values(ascending=False).index[:6])
    columns = list(per_period.columns)

    def change_rows(frame):
        return [
            [name, int(r.previous), int(r.latest), int(r.change), rounded(r.change_pct, 1)]
            for name, r in frame.iterrows()
        ]

    change_columns = [
        _("Crime type"),
        _("Previous period"),
        _("Latest period"),
        _("Change"),
        _("Change %"),
    ]
    return {
        "summary": {
            "incidents": count,
            "period": period,
            "periods": len(per_period),
            "latest_period": period_labels[-1] if period_labels else None,
            "latest_period_partial": bool(len(per_period))
            and _period_end(per_period.index[-1], period) > timezone.localdate(),
            "latest_total": int(totals.iloc[-1]) if len(totals) else 0,
            "previous_total": int(totals.iloc[-2]) if len(totals) > 1 else 0,
            "biggest_riser": risers.index[0] if len(risers) else None,
            "biggest_faller": fallers.index[0] if len(fallers) else None,
        },
        "tables": [
            table(_("Biggest risers"), change_columns, change_rows(risers)),
            table(_("Biggest fallers"), change_columns, change_rows(fallers)),
            table(
                _("Incidents per period and crime type"),
                [_("Period starting"), *columns, _("Total")],
                [
                    [period_labels[k], *[int(v) for v in per_period.iloc[k]], int(totals.iloc[k])]
                    for k in range(len(per_period))
                ],
            ),
            table(_("Change on the previous period"), change_columns, change_rows(result.changes)),
        ],
        "charts": [
            {
                "title": _("Incidents per period"),
                "svg": charts.line_chart(
                    _("Incidents per period"),
                    period_labels,
                    [(_("All selected"), [int(v) for v in totals])]
                    + [(name, [int(v) for v in per_period[name]]) for name in top_types],
                ),
            },
            {
                "title": _("Change on the previous period by crime type"),
                "svg": charts.bar_chart(
                    _("Latest period by crime type"),
                    list(result.changes.index),
                    [int(v) for v in result.changes["latest"]],
                    value_label=_("incidents"),
                ),
            },
        ],
    }


registry.register(
    registry.Kind(
        name="trend",
        label=gettext_lazy("Trend (period on period)"),
        description=gettext_lazy(
            "How counts change: incidents per week or month and crime type, change on the period "
            "before, and the biggest risers and fallers."
        ),
        params=PARAMS,
        run=run,
        order=30,
    )
)
