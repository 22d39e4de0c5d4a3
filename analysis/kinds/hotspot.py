"""Hotspots: where incidents concentrate.

The incidents' positions are read (inside a drawn polygon, by point in polygon) and counted on
a grid of whole square cells centred on the area; cells cut by the area's edge count with the
share of their area inside. Getis-Ord Gi* marks hot and cold spots at 95, 99 and 99.9 %
confidence, after a Benjamini-Hochberg false-discovery-rate correction over the cells unless
the job turns it off, and a kernel density surface is estimated from the points themselves.
A feedback-loop check recomputes Gi* without the incidents found by police activity and flags
the significant cells that are significant only with them. The result is a map of cells with
their figures, in words, and a method note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analysis import charts, selectors
from analysis.algorithms import hotspot
from analysis.algorithms.geo import (
    LocalPlane,
    clip_ring,
    points_in_polygon,
    polygon_cell_cover,
    ring_bbox,
)
from analysis.kinds import registry
from analysis.kinds.params import BOOLEAN, CHOICE, NUMBER, Context, Param
from analysis.kinds.shared import (
    MAX_FEATURES,
    MAX_INCIDENTS,
    TABLE_ROWS,
    guarded_count,
    incident_filter,
    rounded,
    table,
)
from ilp_platform.core.jobs import JobError

MAX_GRID_CELLS = 250_000
CONFIDENCE = {3: "99.9%", 2: "99%", 1: "95%", 0: "", -1: "95%", -2: "99%", -3: "99.9%"}

PARAMS = (
    Param(
        "cell_size_m",
        label=gettext_lazy("Grid cell size (metres)"),
        type=NUMBER,
        default=250,
        minimum=25,
        maximum=10_000,
        units="m",
        help=gettext_lazy(
            "Side of each square grid cell, 25 to 10,000 m. 100-250 m suits a town centre, "
            "500 m a district. Gi* compares each cell and its 8 neighbours with the whole area."
        ),
    ),
    Param(
        "bandwidth_m",
        label=gettext_lazy("Kernel bandwidth (metres)"),
        type=NUMBER,
        default=500,
        minimum=25,
        maximum=20_000,
        units="m",
        help=gettext_lazy(
            "Search radius of the density surface: how far each incident's influence spreads. "
            "Larger values smooth more; 2 to 4 cells is usual."
        ),
    ),
    Param(
        "kernel",
        label=gettext_lazy("Kernel"),
        type=CHOICE,
        default=hotspot.QUARTIC,
        choices=(
            (hotspot.QUARTIC, gettext_lazy("Quartic (zero beyond the bandwidth)")),
            (hotspot.GAUSSIAN, gettext_lazy("Gaussian")),
        ),
        invalid=gettext_lazy("Choose quartic or gaussian."),
        help=gettext_lazy("The shape of each incident's influence."),
    ),
    Param(
        "fdr",
        label=gettext_lazy("Correct for testing many cells (false-discovery rate)"),
        type=BOOLEAN,
        default=True,
        help=gettext_lazy(
            "On: a cell is a hot or cold spot only when it stays significant after the "
            "Benjamini-Hochberg false-discovery-rate correction over every cell of the area "
            "(without it, about 1 cell in 20 of structureless data looks significant at 95%). "
            "The uncorrected class is shown beside it either way."
        ),
    ),
)


def check(params: dict, context: Context) -> None:
    """The grid over the chosen area stays within MAX_GRID_CELLS."""
    area = params.get("bbox") or (ring_bbox(params["polygon"]) if params.get("polygon") else None)
    if area and params.get("cell_size_m"):
        cells = _grid_for(area, params["cell_size_m"])[1].size
        if cells > MAX_GRID_CELLS:
            context.errors.add("cell_size_m", _too_many_cells(cells, area, params["cell_size_m"]))


def _grid_for(area, cell: float) -> tuple[LocalPlane, hotspot.Grid]:
    min_lon, min_lat, max_lon, max_lat = area
    plane = LocalPlane(lat0=(min_lat + max_lat) / 2, lon0=(min_lon + max_lon) / 2)
    x0, y0 = plane.to_xy(min_lat, min_lon)
    x1, y1 = plane.to_xy(max_lat, max_lon)
    return plane, hotspot.Grid.covering(float(x0), float(y0), float(x1), float(y1), cell)


def _too_many_cells(cells: int, area, cell: float) -> str:
    # Cells scale with the inverse square of the cell size.
    needed = math.ceil(cell * math.sqrt(cells / MAX_GRID_CELLS) / 5) * 5
    return _(
        "The area needs %(cells)s cells of %(cell)s m, more than the %(max)s allowed; choose a "
        "cell size of at least %(needed)s m or a smaller area."
    ) % {"cells": f"{cells:,}", "cell": f"{cell:g}", "max": f"{MAX_GRID_CELLS:,}", "needed": needed}


def run(user, params, compartment_ids, progress) -> dict:
    selection = incident_filter(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = guarded_count(qs, MAX_INCIDENTS)
    cell = float(params["cell_size_m"])
    area = selection.bbox or selectors.extent(qs)
    plane, grid = _grid_for(area, cell)
    if grid.size > MAX_GRID_CELLS:
        raise JobError(_too_many_cells(grid.size, area, cell))
    polygon = params.get("polygon")
    progress(5, _("Reading the incidents' positions"))
    lon, lat = selectors.stream(
        qs, "longitude", "latitude", total=count, progress=lambda f: progress(5 + 35 * f)
    )
    progress(40, _("Reading the positions of the incidents found by police activity"))
    police_lon, police_lat = selectors.stream(
        selectors.found_by_police(qs), "longitude", "latitude"
    )
    outside = 0
    if polygon:
        inside = points_in_polygon(lon, lat, polygon)
        outside = int((~inside).sum())
        lon, lat = lon[inside], lat[inside]
        kept = points_in_polygon(police_lon, police_lat, polygon)
        police_lon, police_lat = police_lon[kept], police_lat[kept]
        if lon.size == 0:
            raise JobError(
                _(
                    "None of the %(count)s incidents of the polygon's bounding box lies inside "
                    "the polygon. Draw a larger polygon or widen the dates or crime types."
                )
                % {"count": f"{count:,}"}
            )
    x, y = plane.to_xy(lat, lon)
    progress(50, _("Counting incidents per cell"))
    counts = hotspot.grid_counts(grid, x, y)
    # Never more than all incidents of a cell, should one be recorded between the two reads.
    police_counts = np.minimum(
        hotspot.grid_counts(grid, *plane.to_xy(police_lat, police_lon)), counts
    )
    if polygon:
        rings = [
            np.column_stack(plane.to_xy(np.asarray(r)[:, 1], np.asarray(r)[:, 0])) for r in polygon
        ]
        cover = polygon_cell_cover(rings, grid.x0, grid.y0, cell, grid.nx, grid.ny)
    else:
        x0, y0 = plane.to_xy(area[1], area[0])
        x1, y1 = plane.to_xy(area[3], area[2])
        cover = grid.coverage(float(x0), float(y0), float(x1), float(y1))
    progress(55, _("Computing Getis-Ord Gi*"))
    z, p = hotspot.gi_star(counts, cover=cover)
    uncorrected = hotspot.significance(z)
    corrected = hotspot.fdr_significance(z, p, inside=cover > 0)
    progress(60, _("Checking the hot spots without the incidents found by police activity"))
    loop = hotspot.feedback_loop_check(
        counts,
        police_counts,
        corrected if params.get("fdr", True) else uncorrected,
        cover,
        fdr=bool(params.get("fdr", True)),
    )
    progress(65, _("Computing the kernel density surface"))
    density, estimator = hotspot.kernel_density_points(
        grid, x, y, float(params["bandwidth_m"]), params["kernel"]
    )
    density = np.where(cover > 0, density, 0.0)
    progress(85, _("Building the map and tables"))
    figures = Figures(
        analysed=int(lon.size),
        outside=outside,
        counts=counts,
        cover=cover,
        z=z,
        p=p,
        corrected=corrected,
        uncorrected=uncorrected,
        density=density,
        estimator=estimator,
        police_found=int(police_counts.sum()),
        loop=loop,
    )
    return _hotspot_result(params, plane, grid, area, figures)


@dataclass
class Figures:
    """What the job computed, per cell where an array."""

    analysed: int
    outside: int
    counts: np.ndarray
    cover: np.ndarray
    z: np.ndarray
    p: np.ndarray
    corrected: np.ndarray
    uncorrected: np.ndarray
    density: np.ndarray
    estimator: str
    police_found: int
    loop: hotspot.FeedbackLoopCheck


def _class_words(level: int) -> str:
    if level > 0:
        return _("hot %(c)s") % {"c": CONFIDENCE[level]}
    if level < 0:
        return _("cold %(c)s") % {"c": CONFIDENCE[level]}
    return ""


class _Words:
    """The popup of a cell: "Gi* z 4.1, hot spot at 99% after FDR, 21 incidents, 320 per km²".

    The translated phrases are looked up once per result, not once per cell."""

    def __init__(self, fdr: bool):
        if fdr:
            hot, cold = _("hot spot at %(c)s after FDR"), _("cold spot at %(c)s after FDR")
        else:
            hot, cold = _("hot spot at %(c)s, uncorrected"), _("cold spot at %(c)s, uncorrected")
        self.verdicts = {
            level: (hot if level > 0 else cold) % {"c": CONFIDENCE[level]}
            for level in (1, 2, 3, -1, -2, -3)
        }
        self.verdicts[0] = _("not significant")
        self.plain = {
            level: (_("hot spot at %(c)s") if level > 0 else _("cold spot at %(c)s"))
            % {"c": CONFIDENCE[level]}
            for level in (1, 2, 3, -1, -2, -3)
        }
        self.plain[0] = _("not significant")
        # The plural form follows the count (one form per count met, looked up once).
        self._sentences: dict[int, str] = {}
        self.uncorrected = _(" (uncorrected: %(verdict)s)")
        self.cut = _(" (%(share)s%% of the cell inside the area)")
        self.only_with = _("; significant only with police-found records: %(found)s")
        self.also_without = _("; %(found)s, significant without them too")
        self.found = _("%(share)s%% found by police activity")
        self.found_around = _(
            "no incidents in the cell itself, %(share)s%% of its neighbourhood's found by "
            "police activity"
        )

    def police(self, level: int, flagged: bool, share, around) -> str:
        """The feedback-loop check in words, for a significant cell."""
        if level == 0:
            return ""
        if share is not None:
            found = self.found % {"share": f"{100 * share:.0f}"}
        elif around is not None:
            found = self.found_around % {"share": f"{100 * around:.0f}"}
        else:
            return ""
        return (self.only_with if flagged else self.also_without) % {"found": found}

    def sentence(self, count: int) -> str:
        if count not in self._sentences:
            self._sentences[count] = ngettext(
                "Gi* z %(z)s, %(verdict)s, %(n)s incident, %(d)s per km²",
                "Gi* z %(z)s, %(verdict)s, %(n)s incidents, %(d)s per km²",
                count,
            )
        return self._sentences[count]

    def __call__(self, level: int, plain: int, z: float, count: int, density, share: float) -> str:
        text = self.sentence(count) % {
            "z": f"{z:.1f}",
            "verdict": self.verdicts[level],
            "n": f"{count:,}",
            "d": f"{density:,.0f}" if density is not None else "—",
        }
        if plain != level:
            text += self.uncorrected % {"verdict": self.plain[plain]}
        if share < 0.999:
            text += self.cut % {"share": f"{100 * share:.0f}"}
        return text


def _cell_outlines(plane, grid, cols, rows, cover, polygon, area) -> list[list]:
    """Each cell's outline in [lon, lat] rings, clipped to the study area where it cuts the
    cell (to the box by its corners; to a polygon ring by ring), computed for all cells at
    once but the polygon's cut ones."""
    xmin, ymin, xmax, ymax = grid.corners(cols, rows)
    south, west = plane.to_latlon(xmin, ymin)
    north, east = plane.to_latlon(xmax, ymax)
    if not polygon:
        west, south = np.maximum(west, area[0]), np.maximum(south, area[1])
        east, north = np.minimum(east, area[2]), np.minimum(north, area[3])
    corners = np.round(np.column_stack([west, south, east, north]), 6).tolist()
    outlines = []
    for k, (a, b, e, f) in enumerate(corners):
        if polygon and cover[rows[k], cols[k]] < 0.999:
            rings = [clip_ring(ring, a, b, e, f) for ring in polygon]
            rings = [[[round(u, 6), round(v, 6)] for u, v in r] for r in rings if r]
            if rings:
                outlines.append(rings)
                continue
        outlines.append([[[a, b], [e, b], [e, f], [a, f], [a, b]]])
    return outlines


def _hotspot_result(params, plane, grid, area, fig: Figures) -> dict:
    fdr = bool(params.get("fdr", True))
    classes = fig.corrected if fdr else fig.uncorrected
    counts, z, p, density, cover = fig.counts, fig.z, fig.p, fig.density, fig.cover
    studied = cover > 0
    in_map = studied & ((counts > 0) | (classes != 0) | (fig.uncorrected != 0))
    rows, cols = np.nonzero(in_map)
    order = np.lexsort((-counts[rows, cols], -z[rows, cols]))
    truncated = len(order) > MAX_FEATURES
    order = order[:MAX_FEATURES]
    rows, cols = rows[order], cols[order]
    cx, cy = grid.centres()
    c_lat, c_lon = plane.to_latlon(cx, cy)
    polygon = params.get("polygon")
    in_words = _Words(fdr)
    outlines = _cell_outlines(plane, grid, cols, rows, cover, polygon, area)
    features = []
    table_rows = []
    # Every figure of the mapped cells rounded at once (numpy), then read as Python values.
    figures = {
        "count": counts[rows, cols].astype(np.int64).tolist(),
        "gi_z": np.round(z[rows, cols], 3).tolist(),
        "p_value": np.round(p[rows, cols], 5).tolist(),
        "class": classes[rows, cols].astype(int).tolist(),
        "class_uncorrected": fig.uncorrected[rows, cols].astype(int).tolist(),
        "density_km2": np.round(density[rows, cols], 2).tolist(),
        "covered_share": np.round(cover[rows, cols], 3).tolist(),
        "centre_lat": np.round(c_lat[rows, cols], 6).tolist(),
        "centre_lon": np.round(c_lon[rows, cols], 6).tolist(),
        "police_share": _shares(fig.loop.share[rows, cols]),
        "police_around": _shares(fig.loop.neighbourhood_share[rows, cols]),
        "class_without": fig.loop.classes_without[rows, cols].astype(int).tolist(),
        "flagged": fig.loop.flagged[rows, cols].tolist(),
    }
    yes, no = _("yes"), _("no")
    for k in range(len(rows)):
        r, c = int(rows[k]), int(cols[k])
        level, plain = figures["class"][k], figures["class_uncorrected"][k]
        centre_lat, centre_lon = figures["centre_lat"][k], figures["centre_lon"][k]
        props = {
            "cell": f"{c}-{r}",
            "count": figures["count"][k],
            "gi_z": figures["gi_z"][k],
            "p_value": figures["p_value"][k],
            "class": level,
            "confidence": CONFIDENCE[level],
            "class_uncorrected": plain,
            "confidence_uncorrected": CONFIDENCE[plain],
            "density_km2": figures["density_km2"][k],
            "covered_share": figures["covered_share"][k],
            "centre_lat": centre_lat,
            "centre_lon": centre_lon,
            "police_found_share": figures["police_share"][k],
            "police_found_share_neighbourhood": figures["police_around"][k],
            "class_without_police_found": figures["class_without"][k],
            "significant_only_with_police_found": bool(figures["flagged"][k]),
        }
        props["summary"] = in_words(
            level,
            plain,
            props["gi_z"],
            props["count"],
            props["density_km2"],
            props["covered_share"],
        ) + in_words.police(
            level,
            props["significant_only_with_police_found"],
            props["police_found_share"],
            props["police_found_share_neighbourhood"],
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": outlines[k]},
                "properties": props,
            }
        )
        if k < TABLE_ROWS:
            table_rows.append(
                [
                    _centre_label(centre_lat, centre_lon),
                    centre_lat,
                    centre_lon,
                    props["count"],
                    props["gi_z"],
                    props["p_value"],
                    _class_words(level),
                    _class_words(plain),
                    props["density_km2"],
                    props["covered_share"],
                    _percent(props["police_found_share"]),
                    (yes if props["significant_only_with_police_found"] else no) if level else "",
                ]
            )
    busiest = sorted(features, key=lambda ft: -ft["properties"]["count"])[:20]
    summary = {
        "incidents": fig.analysed,
        **({"incidents_outside_polygon": fig.outside} if polygon else {}),
        "cells": int(studied.sum()),
        "cells_cut_by_the_edge": int((studied & (cover < 0.999)).sum()),
        "cells_with_incidents": int(((counts > 0) & studied).sum()),
        "false_discovery_rate_correction": fdr,
        "hot_spots_95": int((classes >= 1).sum()),
        "hot_spots_99": int((classes >= 2).sum()),
        "hot_spots_99_9": int((classes >= 3).sum()),
        "cold_spots_95": int((classes <= -1).sum()),
        "hot_spots_95_uncorrected": int((fig.uncorrected >= 1).sum()),
        "hot_spots_99_9_uncorrected": int((fig.uncorrected >= 3).sum()),
        "cold_spots_95_uncorrected": int((fig.uncorrected <= -1).sum()),
        "incidents_found_by_police_activity": fig.police_found,
        "cells_significant_only_with_police_found_records": int((fig.loop.flagged & studied).sum()),
        "max_cell_count": int(counts.max()) if counts.size else 0,
        "cell_size_m": params["cell_size_m"],
        "bandwidth_m": params["bandwidth_m"],
        "peak_density_km2": rounded(density.max() if density.size else 0, 2),
        "map_cells": len(features),
        "map_truncated": truncated,
    }
    west, south, east, north = (round(float(v), 6) for v in area)
    return {
        "summary": summary,
        "method": _method_note(params, grid, fig, fdr),
        "tables": [
            table(
                _("Cells ranked by Gi* z-score"),
                [
                    _("Cell centre"),
                    _("Centre latitude"),
                    _("Centre longitude"),
                    _("Incidents"),
                    _("Gi* z"),
                    _("p-value"),
                    _("Significance after FDR") if fdr else _("Significance"),
                    _("Significance, uncorrected"),
                    _("Density per km²"),
                    _("Share of the cell in the area"),
                    # xgettext:no-python-format (a percent sign, never %-formatted)
                    _("Found by police activity (% of the cell's incidents)"),
                    _("Significant only with police-found records"),
                ],
                table_rows,
            )
        ],
        "charts": [
            {
                "title": _("Incidents in the 20 busiest cells, by cell centre"),
                "svg": charts.bar_chart(
                    _("Incidents in the 20 busiest cells, by cell centre"),
                    [
                        _centre_label(
                            ft["properties"]["centre_lat"], ft["properties"]["centre_lon"]
                        )
                        for ft in busiest
                    ],
                    [ft["properties"]["count"] for ft in busiest],
                    value_label=_("incidents"),
                ),
            }
        ],
        "geojson": {
            "type": "FeatureCollection",
            "bbox": [west, south, east, north],
            "features": features,
        },
    }


def _shares(values: np.ndarray) -> list:
    """Shares rounded to 0.001, None where there is none (no incidents to share)."""
    rounded_values = np.round(values, 3)
    return [None if math.isnan(v) else v for v in rounded_values.tolist()]


def _percent(share) -> float | None:
    return None if share is None else round(100 * share, 1)


def _centre_label(lat: float, lon: float) -> str:
    """A cell named by its centre, short enough for a chart's axis: "51.451, -2.587"."""
    return f"{lat:.3f}, {lon:.3f}"


def _method_note(params, grid, fig: Figures, fdr: bool) -> list[dict]:
    cell = params["cell_size_m"]
    bandwidth = params["bandwidth_m"]
    kernel_name = _("quartic (biweight)") if params["kernel"] == hotspot.QUARTIC else _("Gaussian")
    reach = hotspot.reach(bandwidth, params["kernel"])
    estimator = (
        _("summed exactly from every incident to every cell centre within reach")
        if fig.estimator == "exact"
        else _(
            # xgettext:no-python-format (a percent sign, never %-formatted)
            "from the incidents spread by linear binning over a lattice of at most 1/16 of the "
            "bandwidth, convolved by FFT (within 1% of the exact sum)"
        )
    )
    parts = [
        {
            "heading": _("Method"),
            "text": _(
                "Incidents are counted on a grid of square %(cell)s m cells, the fewest whole "
                "cells that cover the area, centred on it (%(nx)s by %(ny)s). Getis-Ord Gi* "
                "compares each cell and its eight neighbours with the whole area (binary queen "
                "weights including the cell; two-sided normal p-values). Cells cut by the "
                "edge of the area (%(cut)s) are weighted by the share of their area inside: a "
                "neighbourhood's incidents are compared with the mean density times its "
                "covered area, and the variance is weighted by area, which equals the classic "
                "Gi* when every cell is whole. The density surface is a %(kernel)s kernel "
                "estimate at each cell centre, %(estimator)s, in incidents per square kilometre."
            )
            % {
                "cell": f"{cell:g}",
                "nx": grid.nx,
                "ny": grid.ny,
                "cut": f"{int(((fig.cover > 0) & (fig.cover < 0.999)).sum()):,}",
                "kernel": kernel_name,
                "estimator": estimator,
            },
        },
        {
            "heading": _("Parameters"),
            "text": _(
                "Cell %(cell)s m; bandwidth h = %(bw)s m on the ground, set by the analyst "
                "(a fixed bandwidth, no automatic selection); %(rule)s; the kernel reaches "
                "%(reach)s m. Density in incidents per square kilometre. %(n)s incidents "
                "analysed%(outside)s."
            )
            % {
                "cell": f"{cell:g}",
                "bw": f"{bandwidth:g}",
                "rule": (
                    _("quartic weight 3/(πh²)·(1 − d²/h²)² at distance d < h, zero beyond")
                    if params["kernel"] == hotspot.QUARTIC
                    else _("Gaussian weight exp(−d²/2h²)/(2πh²), standard deviation h, cut at 4h")
                ),
                "reach": f"{reach:g}",
                "n": f"{fig.analysed:,}",
                "outside": (
                    _("; %(out)s in the polygon's bounding box but outside it were left out")
                    % {"out": f"{fig.outside:,}"}
                    if params.get("polygon")
                    else ""
                ),
            },
        },
        {
            "heading": _("Correction"),
            "text": _(
                "False-discovery rate (Benjamini-Hochberg) over the p-values of the %(m)s cells "
                "of the area: a cell is a hot or cold spot at 95, 99 or 99.9%% when it is a "
                "discovery at a false-discovery rate of 5, 1 or 0.1%%. The uncorrected class is "
                "shown beside it."
            )
            % {"m": f"{int((fig.cover > 0).sum()):,}"}
            if fdr
            else _(
                "No correction for testing many cells (turned off for this job): each cell is "
                "judged alone, so about 5%% of the cells of structureless data reach 95%%."
            ),
        },
        _feedback_loop_note(fig, fdr),
        {
            "heading": _("Limits"),
            "text": _(
                "Gi* p-values assume the normal approximation; neighbouring cells share "
                "incidents, so their results are not independent. Results depend on the cell "
                "size and the grid's position (the modifiable areal unit problem). The density "
                "has no edge correction: within one bandwidth of the area's edge it is "
                "underestimated. Incidents are taken at their recorded position."
            ),
        },
    ]
    return parts


def _feedback_loop_note(fig: Figures, fdr: bool) -> dict:
    significant = int((fig.corrected != 0).sum() if fdr else (fig.uncorrected != 0).sum())
    return {
        "heading": _("Feedback-loop check"),
        "text": _(
            "Hot spots built from records that police activity itself generates (stop-and-search "
            "finds, proactive detections) can reinforce where police already patrol (Ensign et "
            'al., "Runaway feedback loops in predictive policing", 2018). %(police)s of the '
            "%(n)s incidents analysed were found by police activity. Gi* was computed again "
            "without them, on the same grid with the same test and %(correction)s; a "
            "significant cell that is not significant without them (or changes sign) is flagged "
            "as significant only with police-found records: %(flagged)s of the %(significant)s "
            "significant cells. Each cell gives the share of its own incidents found by police "
            "activity, and of the incidents its neighbourhood counts. Limits: leaving these "
            "records out also leaves out real crime they recorded, so the check shows how much "
            "a hot spot depends on them; it does not prove that it is biased, and a cell that "
            "stays significant may still owe part of its strength to them. Incidents of "
            "unknown or other origin count as not found by police activity; the check is only "
            "as good as the origin recorded."
        )
        % {
            "police": f"{fig.police_found:,}",
            "n": f"{fig.analysed:,}",
            "correction": (
                _("the same false-discovery-rate correction")
                if fdr
                else _("no correction for testing many cells")
            ),
            "flagged": f"{int((fig.loop.flagged & (fig.cover > 0)).sum()):,}",
            "significant": f"{significant:,}",
        },
    }


registry.register(
    registry.Kind(
        name="hotspot",
        label=gettext_lazy("Hotspots (grid, Gi*, kernel density)"),
        description=gettext_lazy(
            # xgettext:no-python-format (a percent sign, never %-formatted)
            "Where incidents concentrate: counts on a grid, Getis-Ord Gi* hot and cold spots at "
            "95, 99 and 99.9% confidence, and a kernel density surface, on a map; hot spots "
            "that are significant only with the incidents found by police activity are flagged."
        ),
        params=PARAMS,
        run=run,
        check=check,
        spatial=True,
        map_help=gettext_lazy(
            "Cells shaded by Gi* significance (after the false-discovery-rate correction unless "
            "it was turned off): dark red hot spot at 99.9%, red 99%, orange 95%; blue cold "
            "spots; grey not significant, darker with more incidents. A thick black dashed "
            "outline marks a cell significant only with the incidents found by police activity. "
            "The dashed line is the area analysed. Select a cell for its figures in words."
        ),
        order=10,
    )
)
