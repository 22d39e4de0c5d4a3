"""Temporal: when incidents happen, as a day-of-week by hour heat map.

Incidents known only within a window (a burglary over a weekend) spread their weight across it
(aoristic method); exact times are counted in SQL. Times of day and weekdays are read in the
time zone of the requester's unit (the platform's ``TIME_ZONE`` for a person without a unit),
and every table, chart and download names it.
"""

from __future__ import annotations

import numpy as np
from django.utils import timezone
from django.utils.formats import number_format
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
from ilp_platform.web.dates import week_order

DAYS = tuple(gettext_noop(d) for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


def job_time_zone(user) -> str:
    """The zone a job reads times of day, weekdays and periods in: the requester's unit's."""
    return user.time_zone


def run(user, params, compartment_ids, progress) -> dict:
    zone = job_time_zone(user)
    with timezone.override(zone):
        return _run(user, params, compartment_ids, progress, zone)


def _run(user, params, compartment_ids, progress, zone: str) -> dict:
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
    # Rows in the order the reader's language lists the week (matrix rows are Monday first).
    order = week_order()
    matrix = matrix[order]
    day_labels = [_(DAYS[d]) for d in order]
    hours = [f"{h:02d}" for h in range(24)]
    peak = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
    by_hour = matrix.sum(axis=0)
    by_day = matrix.sum(axis=1)
    named = {"zone": zone}
    heat_title = _("Day of week by hour (aoristic), %(zone)s time") % named
    hour_title = _("By hour of day, %(zone)s time") % named
    return {
        "summary": {
            "incidents": count,
            "time_zone": zone,
            "exact_times": exact_n,
            "time_windows": count - exact_n,
            "peak_day": day_labels[peak[0]],
            "peak_hour": f"{peak[1]:02d}:00 {zone}",
            "peak_weight": rounded(matrix[peak], 2),
            "busiest_day": day_labels[int(np.argmax(by_day))],
            "busiest_hour": f"{int(np.argmax(by_hour)):02d}:00 {zone}",
        },
        "method": method_note(zone, count, exact_n),
        "tables": [
            table(
                _("Aoristic weight by day of week and hour, %(zone)s time") % named,
                [_("Day (%(zone)s)") % named, *hours],
                [[day_labels[d], *[rounded(v, 2) for v in matrix[d]]] for d in range(7)],
            ),
            table(
                _("Aoristic weight by day of week, %(zone)s time") % named,
                [_("Day (%(zone)s)") % named, _("Weight"), _("Share %")],
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
                "title": heat_title,
                "svg": charts.heat_map(heat_title, day_labels, hours, matrix.tolist()),
            },
            {
                "title": hour_title,
                "svg": charts.bar_chart(
                    hour_title, hours, [float(v) for v in by_hour], value_label=_("weight")
                ),
            },
        ],
    }


def method_note(zone: str, count: int, exact_n: int) -> list[dict]:
    """Method, parameters, correction and limits of this run, in words."""
    return [
        {
            "heading": _("Method"),
            "text": _(
                "Each incident weighs 1, spread over the 168 hours of the week. An incident "
                "known to the minute counts wholly in its hour; one known only within a window "
                "(from-to) is shared over the hours the window covers in proportion to the time "
                "in each (aoristic method: Ratcliffe 2000; Ashby and Bowers 2013), so the table "
                "sums to the number of incidents."
            ),
        },
        {
            "heading": _("Parameters"),
            "text": _(
                "Times of day and weekdays are read in %(zone)s (the time zone of the unit of "
                "the person who ran the job; an administrator sets it on the unit), daylight "
                "saving included. %(count)s incidents: %(exact)s known to the minute, "
                "%(windows)s within a window."
            )
            % {
                "zone": zone,
                "count": number_format(count, force_grouping=True),
                "exact": number_format(exact_n, force_grouping=True),
                "windows": number_format(count - exact_n, force_grouping=True),
            },
        },
        {
            "heading": _("Correction"),
            "text": _(
                "None: the profile describes when incidents were recorded as happening and "
                "tests nothing. A window longer than a week adds equal weight to every hour; "
                "the share of window incidents is given so their weight can be judged."
            ),
        },
        {
            "heading": _("Limits"),
            "text": _(
                "Aoristic weights assume any moment within a window is equally likely. Times "
                "recorded as a default (midnight, the start of a shift) pile up in that hour. "
                "An hour skipped or repeated when the clocks change is counted as the wall "
                "clock shows it."
            ),
        },
    ]


registry.register(
    registry.Kind(
        name="temporal",
        label=gettext_lazy("Temporal (day x hour, aoristic)"),
        description=gettext_lazy(
            "When incidents happen: a day-of-week by hour heat map. Incidents known only within a "
            "window (a burglary over a weekend) spread their weight across it (aoristic method). "
            "Times are read in the time zone of your unit."
        ),
        run=run,
        order=20,
    )
)
