"""Trend: how counts change, per week or month and crime type: rates per day, and the crime
types whose latest period differs from a baseline of earlier periods by more than chance (an
exact test of two Poisson rates with a false discovery rate correction; see
``analysis.algorithms.trend``)."""

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
from analysis.kinds.params import CHOICE, INTEGER, NUMBER, Param
from analysis.kinds.shared import (
    MAX_INCIDENTS,
    guarded_count,
    incident_filter,
    rounded,
    table,
    wall_seconds,
)
from analysis.kinds.temporal import job_time_zone
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
        help=gettext_lazy(
            "Counts per period, shown per day so months of different lengths compare; the latest "
            "period is tested against a baseline of the periods before it."
        ),
    ),
    Param(
        "baseline",
        label=gettext_lazy("Baseline periods"),
        type=INTEGER,
        default=4,
        minimum=1,
        maximum=52,
        help=gettext_lazy(
            "How many periods before the latest one make its baseline (1-52; fewer when the "
            "selection holds fewer)."
        ),
    ),
    Param(
        "alpha",
        label=gettext_lazy("Significance level"),
        type=NUMBER,
        default=0.05,
        minimum=0.001,
        maximum=0.2,
        help=gettext_lazy(
            "A crime type is a riser or faller when its q-value (the exact test's p-value after "
            "the Benjamini-Hochberg correction over the crime types tested) is at most this "
            "(0.001-0.2)."
        ),
    ),
    Param(
        "min_count",
        label=gettext_lazy("Fewest incidents to test"),
        type=INTEGER,
        default=10,
        minimum=1,
        maximum=1000,
        help=gettext_lazy(
            "Crime types with fewer incidents than this in the latest period and the baseline "
            "together are listed as too few to test (1-1000)."
        ),
        units=gettext_lazy("incidents"),
    ),
    Param(
        "top_n",
        label=gettext_lazy("Risers and fallers to list"),
        type=INTEGER,
        default=5,
        minimum=1,
        maximum=50,
        help=gettext_lazy("How many significant risers and fallers to list (1-50)."),
    ),
)

ASSESSMENTS = {
    trend.RISE: gettext_lazy("rise"),
    trend.FALL: gettext_lazy("fall"),
    trend.NO_CHANGE: gettext_lazy("no significant change"),
    trend.TOO_FEW: gettext_lazy("too few to test"),
}


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


def covered_days(starts: list[dt.date], period: str, first: dt.date, last: dt.date) -> list[int]:
    """Days of each period inside the selection ``first``..``last`` (both included): a whole
    week is 7, February 28 or 29, a period cut by the dates fewer."""
    return [(min(_period_end(s, period), last) - max(s, first)).days + 1 for s in starts]


def run(user, params, compartment_ids, progress) -> dict:
    zone = job_time_zone(user)
    with timezone.override(zone):
        return _run(user, params, compartment_ids, progress, zone)


def _run(user, params, compartment_ids, progress, zone: str) -> dict:
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
    progress(70, _("Comparing the latest period with its baseline"))
    seen = [r[0] for r in rows]
    # The selection runs from date_from (else the first incident) to date_to (else today, in
    # the zone the periods are counted in): periods cut by either end count the days they cover.
    # Nothing can have happened after today, so a date_to still to come counts up to today.
    first = dt.date.fromisoformat(params["date_from"]) if params.get("date_from") else min(seen)
    today = timezone.localdate()
    asked = dt.date.fromisoformat(params["date_to"]) if params.get("date_to") else today
    last = max(min(asked, today), max(seen))
    periods = _period_starts(min(first, min(seen)), last, period)
    days = covered_days(periods, period, min(first, min(seen)), last)
    result = trend.trend(
        [r[0] for r in rows],
        [names.get(r[1], r[1]) for r in rows],
        [r[2] for r in rows],
        periods,
        days=days,
        baseline=params["baseline"],
        alpha=params["alpha"],
        min_count=params["min_count"],
    )
    per_period = result.table
    risers, fallers = trend.risers_and_fallers(result.changes, params["top_n"])
    progress(85, _("Building the charts"))
    label = (lambda d: d.strftime("%Y-%m")) if period == "month" else (lambda d: d.isoformat())
    period_labels = [label(d) for d in per_period.index]
    totals = per_period.sum(axis=1)
    per_day = totals / result.days
    full = [
        covered == (_period_end(start, period) - start).days + 1
        for start, covered in zip(per_period.index, days, strict=True)
    ]
    top_types = list(per_period.sum(axis=0).sort_values(ascending=False).index[:6])
    columns = list(per_period.columns)
    latest_partial = bool(len(per_period)) and not full[-1]

    def change_rows(frame):
        return [
            [
                name,
                int(r.baseline),
                rounded(r.baseline_per_day, 3),
                int(r.latest),
                rounded(r.latest_per_day, 3),
                rounded(r.rate_ratio, 2),
                rounded(r.change_pct, 1),
                rounded(r.p_value, 4),
                rounded(r.q_value, 4),
                str(ASSESSMENTS[r.assessment]),
            ]
            for name, r in frame.iterrows()
        ]

    change_columns = [
        _("Crime type"),
        _("Baseline incidents"),
        _("Baseline per day"),
        _("Latest period incidents"),
        _("Latest per day"),
        _("Rate ratio"),
        _("Change in rate %"),
        _("p-value (exact)"),
        _("q-value (BH)"),
        _("Assessment"),
    ]
    changes = result.changes
    summary = {
        "incidents": count,
        "period": period,
        "periods": len(per_period),
        "time_zone": zone,
        "latest_period": period_labels[-1] if period_labels else None,
        "latest_period_partial": latest_partial,
        "latest_period_days": int(days[-1]) if days else 0,
        "latest_total": int(totals.iloc[-1]) if len(totals) else 0,
        "latest_per_day": rounded(per_day.iloc[-1], 3) if len(per_day) else None,
        "baseline_periods": result.baseline_periods,
        "baseline_per_day": rounded(
            totals.iloc[-1 - result.baseline_periods : -1].sum()
            / result.days.iloc[-1 - result.baseline_periods : -1].sum(),
            3,
        )
        if result.baseline_periods
        else None,
        "significance_level": params["alpha"],
        "min_count": params["min_count"],
        "crime_types_tested": int(changes["tested"].sum()) if len(changes) else 0,
        "rising_types": int((changes["assessment"] == trend.RISE).sum()) if len(changes) else 0,
        "falling_types": int((changes["assessment"] == trend.FALL).sum()) if len(changes) else 0,
        "biggest_riser": risers.index[0] if len(risers) else None,
        "biggest_faller": fallers.index[0] if len(fallers) else None,
    }
    yes, no = _("yes"), _("no")
    return {
        "summary": summary,
        "method": method_note(params, result, latest_partial, zone),
        "tables": [
            table(_("Significant rises"), change_columns, change_rows(risers)),
            table(_("Significant falls"), change_columns, change_rows(fallers)),
            table(
                _("Incidents per period and crime type"),
                [
                    _("Period starting"),
                    *columns,
                    _("Total"),
                    _("Days covered"),
                    _("Total per day"),
                    _("Whole period"),
                ],
                [
                    [
                        period_labels[k],
                        *[int(v) for v in per_period.iloc[k]],
                        int(totals.iloc[k]),
                        int(days[k]),
                        rounded(per_day.iloc[k], 3),
                        yes if full[k] else no,
                    ]
                    for k in range(len(per_period))
                ],
            ),
            table(
                _("Latest period against the baseline, every crime type"),
                change_columns,
                change_rows(changes),
            ),
        ],
        "charts": [
            {
                "title": _("Incidents per day, by period"),
                "svg": charts.line_chart(
                    _("Incidents per day, by period"),
                    period_labels,
                    [(_("All selected"), [float(v) for v in per_day])]
                    + [
                        (name, [float(v) for v in per_period[name] / result.days])
                        for name in top_types
                    ],
                ),
            },
            {
                "title": _("Latest period per day by crime type"),
                "svg": charts.bar_chart(
                    _("Latest period per day by crime type"),
                    list(changes.index),
                    [float(v) for v in changes["latest_per_day"]],
                    value_label=_("incidents per day"),
                ),
            },
        ],
    }


def method_note(params: dict, result, latest_partial: bool, zone: str) -> list[dict]:
    """Method, parameters, correction and limits of this run, in words."""
    period = _("week (Monday to Sunday)") if params["period"] == "week" else _("calendar month")
    partial = (
        _(
            "The latest period is cut short by the end of the selection (%(days)s days): it is "
            "compared per day it covers."
        )
        % {"days": int(result.days.iloc[-1])}
        if latest_partial
        else _("The latest period is whole.")
    )
    return [
        {
            "heading": _("Method"),
            "text": _(
                "Incidents are counted per %(period)s and crime type in the time zone %(zone)s "
                "and shown per day, so months of different lengths and periods cut by the dates "
                "compare. For each crime type the latest period's count is tested against the "
                "baseline periods before it by the exact conditional test of two Poisson rates "
                "(given both counts' total, the latest one is binomial with the latest period's "
                "share of the days; two-sided). %(partial)s"
            )
            % {"period": period, "zone": zone, "partial": partial},
        },
        {
            "heading": _("Parameters"),
            "text": _(
                "Baseline: %(used)s earlier periods (%(asked)s asked for). Significance level "
                "%(alpha)s on the q-value. Crime types with fewer than %(min)s incidents in the "
                "latest period and the baseline together are not tested."
            )
            % {
                "used": result.baseline_periods,
                "asked": params["baseline"],
                "alpha": params["alpha"],
                "min": params["min_count"],
            },
        },
        {
            "heading": _("Correction"),
            "text": _(
                "Benjamini-Hochberg false discovery rate over the crime types tested: among the "
                "types listed as rising or falling, the expected share listed by chance is at "
                "most the significance level. Each type's uncorrected p-value is shown beside "
                "its q-value."
            ),
        },
        {
            "heading": _("Limits"),
            "text": _(
                "The test assumes incidents arrive independently at a steady rate; repeat "
                "victimisation, one offender's series or a change in recording breaks that. "
                "Seasonality is not removed: for strongly seasonal crime compare with the same "
                "period a year before. A period cut short is assumed to run at its average rate. "
                "No significant change is not evidence of no change when counts are small."
            ),
        },
    ]


registry.register(
    registry.Kind(
        name="trend",
        label=gettext_lazy("Trend (period on period)"),
        description=gettext_lazy(
            "How counts change: incidents per day by week or month and crime type, and the crime "
            "types whose latest period rose or fell against a baseline of earlier periods by more "
            "than chance (exact Poisson test, false discovery rate corrected)."
        ),
        params=PARAMS,
        run=run,
        notes={
            "date_to": gettext_lazy(
                "Last day counted (in your unit's time zone). A latest period running past it "
                "is partial and compared per day it covers; without a date, or with one still "
                "to come, today."
            )
        },
        order=30,
    )
)
