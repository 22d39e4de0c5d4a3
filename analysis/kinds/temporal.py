"""Temporal: when incidents happen, as a day-of-week by hour heat map.

Incidents known only within a window (a burglary over a weekend) spread their weight across it
(aoristic method); exact times are counted in SQL.
"""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from analysis import charts, selectors
from analysis.algorithms import temporal
from analysis.algorithms.geo import points_in_polygon
from analysis.kinds import registry
from analysis.kinds.shared import (
    MAX_INCIDENTS,
    guarded_count,
    incident_filter,
    rounded,
    table,
    wall_seconds,
)
from ilp_platform.core.jobs import JobError

DAYS = tuple(gettext_noop(d) for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


def run(user, params, compartment_ids, progress) -> dict:
    selection = incident_filter(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = guarded_count(qs, MAX_INCIDENTS)
    polygon = params.get("polygon")
    if polygon:
        start, end, lon, lat = selectors.stream(
            qs,
            selectors.EpochSeconds("occurred_from"),
            selectors.EpochSeconds("occurred_to"),
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(5 + 60 * f, _("Reading incidents")),
        )
        inside = points_in_polygon(lon, lat, polygon)
        start, end = start[inside], end[inside]
        exact_n = int((~(np.isfinite(end) & (end > start))).sum())
        progress(70, _("Spreading time windows over the week"))
        matrix = temporal.aoristic_week(wall_seconds(start), wall_seconds(end))
        count = int(inside.sum())
    else:
        progress(5, _("Counting events with exact times"))
        matrix = selectors.exact_time_counts(qs)
        exact_n = int(matrix.sum())
        windows = selectors.windowed(qs)
        start, end = selectors.stream(
            windows,
            selectors.EpochSeconds("occurred_from"),
            selectors.EpochSeconds("occurred_to"),
            total=max(count - exact_n, 1),
            progress=lambda f: progress(20 + 50 * f, _("Reading time windows")),
        )
        progress(75, _("Spreading time windows over the week"))
        matrix = matrix + temporal.aoristic_week(wall_seconds(start), wall_seconds(end))
    if count == 0:
        raise JobError(_("No incident you may read lies inside the polygon; widen the area."))
    progress(90, _("Building the charts"))
    day_labels = [_(d) for d in DAYS]
    hours = [f"{h:02d}" for h in range(24)]
    peak = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
    by_hour = matrix.sum(axis=0)
    by_day = matrix.sum(axis=1)
    return {
        "summary": {
            "incidents": count,
            "exact_times": exact_n,
            "time_windows": count - exact_n,
            "peak_day": day_labels[peak[0]],
            "peak_hour": f"{peak[1]:02d}:00",
            "peak_weight": rounded(matrix[peak], 2),
            "busiest_day": day_labels[int(np.argmax(by_day))],
            "busiest_hour": f"{int(np.argmax(by_hour)):02d}:00",
        },
        "tables": [
            table(
                _("Aoristic weight by day of week and hour"),
                [_("Day"), *hours],
                [[day_labels[d], *[rounded(v, 2) for v in matrix[d]]] for d in range(7)],
            ),
            table(
                _("Aoristic weight by day of week"),
                [_("Day"), _("Weight"), _("Share %")],
                [
                    [
                        day_labels[d],
                        rounded(by_day[d], 2),
                        rounded(100 * by_day[d] / max(count, 1), 1),
                    ]
                    for d in range(7)
                ],
            ),
        ],
        "charts": [
            {
                "title": _("Day of week by hour (aoristic)"),
                "svg": charts.heat_map(
                    _("Day of week by hour (aoristic)"), day_labels, hours, matrix.tolist()
                ),
            },
            {
                "title": _("By hour of day"),
                "svg": charts.bar_chart(
                    _("By hour of day"), hours, [float(v) for v in by_hour], value_label=_("weight")
                ),
            },
        ],
    }


registry.register(
    registry.Kind(
        name="temporal",
        label=gettext_lazy("Temporal (day x hour, aoristic)"),
        description=gettext_lazy(
            "When incidents happen: a day-of-week by hour heat map. Incidents known only within a "
            "window (a burglary over a weekend) spread their weight across it (aoristic method)."
        ),
        run=run,
        order=20,
    )
)
