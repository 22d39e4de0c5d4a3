"""Hotspots: where incidents concentrate.

Incidents are counted on a square grid (in SQL, or per point inside a drawn polygon); Getis-Ord
Gi* marks hot and cold spots at 95, 99 and 99.9 % confidence, and a kernel density surface
spreads each incident over the bandwidth. The result is a map of cells with their figures.
"""

from __future__ import annotations

import math

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import charts, selectors
from analysis.algorithms import hotspot
from analysis.algorithms.geo import LocalPlane, points_in_polygon, ring_bbox
from analysis.kinds import registry
from analysis.kinds.params import CHOICE, NUMBER, Context, Param
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
    progress(10, _("Counting incidents per cell"))
    if polygon:
        lon, lat = selectors.stream(
            qs,
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(10 + 40 * f),
        )
        inside = points_in_polygon(lon, lat, polygon)
        x, y = plane.to_xy(lat[inside], lon[inside])
        counts = hotspot.grid_counts(grid, x, y)
        xmin, ymin, _x1, _y1 = grid.corners(*np.meshgrid(np.arange(grid.nx), np.arange(grid.ny)))
        c_lat, c_lon = plane.to_latlon(xmin + cell / 2, ymin + cell / 2)
        mask = points_in_polygon(c_lon, c_lat, polygon)
    else:
        min_lon, min_lat = area[0], area[1]
        kx = plane.to_xy(plane.lat0, plane.lon0 + 1.0)[0]
        ky = plane.to_xy(plane.lat0 + 1.0, plane.lon0)[1]
        ix, iy, n = selectors.grid_cell_counts(
            qs, lon0=min_lon, lat0=min_lat, kx=float(kx), ky=float(ky), cell=cell
        )
        # The SQL cells start at (min_lon, min_lat), which is the grid origin by construction.
        flat = np.clip(iy, 0, grid.ny - 1) * grid.nx + np.clip(ix, 0, grid.nx - 1)
        counts = np.bincount(flat, weights=n, minlength=grid.size).reshape(grid.ny, grid.nx)
        mask = None
    progress(55, _("Computing Getis-Ord Gi*"))
    z, p = hotspot.gi_star(counts, mask)
    classes = hotspot.significance(z)
    progress(70, _("Computing the kernel density surface"))
    density = hotspot.kernel_density(counts, cell, float(params["bandwidth_m"]), params["kernel"])
    if mask is not None:
        density = np.where(mask, density, 0.0)
    progress(85, _("Building the map and tables"))
    return _hotspot_result(params, count, plane, grid, counts, z, p, classes, density, mask)


def _hotspot_result(params, count, plane, grid, counts, z, p, classes, density, mask) -> dict:
    studied = np.ones(counts.shape, dtype=bool) if mask is None else mask
    in_map = studied & ((counts > 0) | (classes != 0))
    rows, cols = np.nonzero(in_map)
    order = np.lexsort((-counts[rows, cols], -z[rows, cols]))
    truncated = len(order) > MAX_FEATURES
    order = order[:MAX_FEATURES]
    rows, cols = rows[order], cols[order]
    xmin, ymin, xmax, ymax = grid.corners(cols, rows)
    lat0, lon0 = plane.to_latlon(xmin, ymin)
    lat1, lon1 = plane.to_latlon(xmax, ymax)
    features = []
    table_rows = []
    for k in range(len(rows)):
        r, c = int(rows[k]), int(cols[k])
        a, b, e, f = (round(float(v), 6) for v in (lon0[k], lat0[k], lon1[k], lat1[k]))
        props = {
            "cell": f"{c}-{r}",
            "count": int(counts[r, c]),
            "gi_z": rounded(z[r, c]),
            "p_value": rounded(p[r, c], 5),
            "class": int(classes[r, c]),
            "confidence": CONFIDENCE[int(classes[r, c])],
            "density_km2": rounded(density[r, c], 2),
            "centre_lat": round((b + f) / 2, 6),
            "centre_lon": round((a + e) / 2, 6),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[a, b], [e, b], [e, f], [a, f], [a, b]]],
                },
                "properties": props,
            }
        )
        if k < TABLE_ROWS:
            table_rows.append(
                [
                    props["cell"],
                    props["centre_lat"],
                    props["centre_lon"],
                    props["count"],
                    props["gi_z"],
                    props["p_value"],
                    _("hot %(c)s") % {"c": props["confidence"]}
                    if props["class"] > 0
                    else (
                        _("cold %(c)s") % {"c": props["confidence"]} if props["class"] < 0 else ""
                    ),
                    props["density_km2"],
                ]
            )
    busiest = sorted(features, key=lambda ft: -ft["properties"]["count"])[:20]
    studied_cells = int(studied.sum())
    summary = {
        "incidents": count,
        "cells": studied_cells,
        "cells_with_incidents": int(((counts > 0) & studied).sum()),
        "hot_spots_95": int((classes >= 1).sum()),
        "hot_spots_99": int((classes >= 2).sum()),
        "hot_spots_99_9": int((classes >= 3).sum()),
        "cold_spots_95": int((classes <= -1).sum()),
        "max_cell_count": int(counts.max()) if counts.size else 0,
        "cell_size_m": params["cell_size_m"],
        "bandwidth_m": params["bandwidth_m"],
        "peak_density_km2": rounded(density.max() if density.size else 0, 2),
        "map_cells": len(features),
        "map_truncated": truncated,
    }
    return {
        "summary": summary,
        "tables": [
            table(
                _("Cells ranked by Gi* z-score"),
                [
                    _("Cell"),
                    _("Centre latitude"),
                    _("Centre longitude"),
                    _("Incidents"),
                    _("Gi* z"),
                    _("p-value"),
                    _("Significance"),
                    _("Density per km²"),
                ],
                table_rows,
            )
        ],
        "charts": [
            {
                "title": _("Incidents in the 20 busiest cells"),
                "svg": charts.bar_chart(
                    _("Incidents in the 20 busiest cells"),
                    [ft["properties"]["cell"] for ft in busiest],
                    [ft["properties"]["count"] for ft in busiest],
                    value_label=_("incidents"),
                ),
            }
        ],
        "geojson": {"type": "FeatureCollection", "features": features},
    }


registry.register(
    registry.Kind(
        name="hotspot",
        label=gettext_lazy("Hotspots (grid, Gi*, kernel density)"),
        description=gettext_lazy(
            "Where incidents concentrate: counts on a grid, Getis-Ord Gi* hot and cold spots at "
            "95, 99 and 99.9% confidence, and a kernel density surface, on a map."
        ),
        params=PARAMS,
        run=run,
        check=check,
        spatial=True,
        map_help=gettext_lazy(
            "Cells shaded by Gi* significance: dark red hot spot at 99.9%, red 99%, orange 95%; "
            "blue cold spots; grey not significant. Select a cell for its figures."
        ),
        order=10,
    )
)
