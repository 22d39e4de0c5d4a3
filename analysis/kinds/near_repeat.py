"""Near repeat: whether one incident is followed by others close by, soon after.

The Knox test counts pairs of incidents by distance and time band and compares them with the
pairs expected when the dates are shuffled (Monte Carlo significance).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import charts, selectors
from analysis.algorithms import near_repeat
from analysis.algorithms.geo import LocalPlane, points_in_polygon
from analysis.kinds import registry
from analysis.kinds.params import BANDS, INTEGER, Param
from analysis.kinds.shared import (
    MAX_FEATURES,
    SEED,
    guarded_count,
    incident_filter,
    rounded,
    table,
)
from ilp_platform.core.jobs import JobError

# Near repeat compares pairs of events: it stops earlier than the counting kinds.
MAX_NEAR_REPEAT_EVENTS = 100_000
MAX_NEAR_REPEAT_PAIRS = 20_000_000

PARAMS = (
    Param(
        "distance_bands",
        label=gettext_lazy("Distance bands (metres)"),
        type=BANDS,
        default=[100, 200, 300, 400],
        maximum=5_000,
        units="m",
        help=gettext_lazy(
            "Upper limits, increasing, separated by commas or spaces, e.g. 100, 200, 300, 400: "
            "pairs 0-100 m apart, 101-200 m and so on, and a last band beyond. Near repeats of "
            "burglary reach 300-400 m."
        ),
    ),
    Param(
        "time_bands",
        label=gettext_lazy("Time bands (days)"),
        type=BANDS,
        default=[7, 14, 21, 28],
        maximum=365,
        units=gettext_lazy("days"),
        help=gettext_lazy(
            "Upper limits in days, increasing, separated by commas or spaces, e.g. 7, 14, 21, "
            "28; a last band beyond."
        ),
    ),
    Param(
        "iterations",
        label=gettext_lazy("Monte Carlo iterations"),
        type=INTEGER,
        default=99,
        minimum=9,
        maximum=999,
        help=gettext_lazy(
            "Shuffles of the dates to estimate the expected pairs (9-999). 99 gives p-values "
            "down to 0.01, 999 down to 0.001."
        ),
    ),
    SEED,
)


def run(user, params, compartment_ids, progress) -> dict:
    selection = incident_filter(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = guarded_count(qs, MAX_NEAR_REPEAT_EVENTS)
    lon, lat, epoch = selectors.stream(
        qs,
        "longitude",
        "latitude",
        selectors.EpochSeconds("occurred_from"),
        total=count,
        progress=lambda f: progress(5 + 15 * f, _("Reading incidents")),
    )
    if params.get("polygon"):
        inside = points_in_polygon(lon, lat, params["polygon"])
        lon, lat, epoch = lon[inside], lat[inside], epoch[inside]
    if len(lon) < 2:
        raise JobError(_("Fewer than two incidents match; widen the area, dates or crime types."))
    plane = LocalPlane(lat0=float(np.mean(lat)), lon0=float(np.mean(lon)))
    x, y = plane.to_xy(lat, lon)
    days = epoch / 86400.0
    d_edges, t_edges = params["distance_bands"], params["time_bands"]
    progress(22, _("Running the Monte Carlo simulations"))
    try:
        result = near_repeat.knox(
            x,
            y,
            days,
            d_edges,
            t_edges,
            iterations=params["iterations"],
            seed=params["seed"],
            max_pairs=MAX_NEAR_REPEAT_PAIRS,
            progress=lambda f: progress(22 + 68 * f, _("Running the Monte Carlo simulations")),
        )
    except near_repeat.TooManyPairs as exc:
        raise JobError(
            _(
                "%(pairs)s pairs of incidents lie within %(d)s m of each other, too many to "
                "simulate. Narrow the area or dates, or use smaller distance bands."
            )
            % {"pairs": f"{exc.args[0]:,}", "d": d_edges[-1]}
        ) from None
    progress(92, _("Building the tables"))

    def band_labels(edges, unit):
        labels, low = [], 0
        for e in edges:
            labels.append(f"{low:g}-{e:g} {unit}")
            low = e
        labels.append(f"> {edges[-1]:g} {unit}")
        return labels

    rows = band_labels(d_edges, "m")
    cols = band_labels(t_edges, _("days"))
    ratio = result.ratio
    ratio_list = [[rounded(v, 2) for v in row] for row in ratio]
    p_list = [[rounded(v, 4) for v in row] for row in result.p_values]
    significant = [
        [rows[i], cols[j]]
        for i in range(len(rows) - 1)
        for j in range(len(cols) - 1)
        if ratio_list[i][j] is not None and ratio_list[i][j] > 1 and p_list[i][j] < 0.05
    ]

    def grid_table(title, values, digits):
        return table(
            title,
            [_("Distance"), *cols],
            [[rows[i], *[rounded(v, digits) for v in values[i]]] for i in range(len(rows))],
        )

    # Map: the events, those with a near repeat in the closest bands marked (the closest
    # distance band's pairs, from the Knox test, within the closest time band). Past the map's
    # limit, those with a near repeat come first so that none of them is left off.
    pairs = result.closest
    soon = np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= t_edges[0]
    flagged = np.zeros(len(x), dtype=bool)
    flagged[pairs[soon].ravel()] = True
    shown = np.argsort(~flagged, kind="stable")[:MAX_FEATURES]
    with _collector_paused():
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [a, b]},
                "properties": {"near_repeat": near},
            }
            for a, b, near in zip(
                np.round(lon[shown], 6).tolist(),
                np.round(lat[shown], 6).tolist(),
                flagged[shown].tolist(),
                strict=True,
            )
        ]
    return {
        "summary": {
            "incidents": int(len(x)),
            "pairs": result.pairs,
            "iterations": result.iterations,
            "closest_cell_ratio": ratio_list[0][0],
            "closest_cell_p": p_list[0][0],
            "significant_cells": len(significant),
            "events_with_near_repeat": int(flagged.sum()),
        },
        "tables": [
            grid_table(_("Knox ratio (observed / expected pairs)"), ratio, 2),
            grid_table(_("Monte Carlo p-value"), result.p_values, 4),
            grid_table(_("Observed pairs"), result.observed, 0),
            grid_table(_("Expected pairs (mean of simulations)"), result.expected, 1),
        ],
        "charts": [
            {
                "title": _("Knox ratios; * significant at p < 0.05"),
                "svg": charts.knox_table_chart(
                    _("Knox ratios; * significant at p < 0.05"), rows, cols, ratio_list, p_list
                ),
            }
        ],
        "geojson": {"type": "FeatureCollection", "features": features},
    }


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector held while the map's features are built: building
    50,000 small dicts set it off hundreds of times, each a walk over every object of the
    worker (four-fifths of the build's time at scale L). The features hold no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


registry.register(
    registry.Kind(
        name="near_repeat",
        label=gettext_lazy("Near repeat (Knox test)"),
        description=gettext_lazy(
            "Whether one incident is followed by others close by, soon after: the Knox test of "
            "observed against expected pairs, with Monte Carlo significance."
        ),
        params=PARAMS,
        run=run,
        spatial=True,
        map_help=gettext_lazy(
            "Incidents: orange have a near repeat in the closest distance and time band."
        ),
        order=40,
    )
)
