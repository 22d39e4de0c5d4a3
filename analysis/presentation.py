"""A job's result for a reader: the summary's figures named in words, and the map drawn as an
SVG image (for a product that cites the job, in the page and in its PDF).

The map is drawn from the result's GeoJSON alone, in an equirectangular projection corrected
for latitude (fine at the scale of a force area): hotspot cells filled by their class, points
(near repeat) marked, a near repeat in orange. No tiles: an image that travels with the
product must not call a tile server.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Class colours of the hotspot map (the same as the interactive map's).
HOT = {
    3: "#8b0000",
    2: "#d7301f",
    1: "#fc8d59",
    0: "#bdbdbd",
    -1: "#91bfdb",
    -2: "#4575b4",
    -3: "#313695",
}
WIDTH, HEIGHT, MARGIN = 640, 420, 12
MAX_FEATURES = 20_000

# Figures of the summaries, in words; a figure not named here is written from its key.
LABELS = {
    "incidents": gettext_lazy("Incidents analysed"),
    "incidents_outside_polygon": gettext_lazy("Incidents outside the area (left out)"),
    "cells": gettext_lazy("Cells in the area"),
    "cells_cut_by_the_edge": gettext_lazy("Cells cut by the area's edge"),
    "cells_with_incidents": gettext_lazy("Cells with at least one incident"),
    "false_discovery_rate_correction": gettext_lazy("False-discovery-rate correction"),
    # xgettext:no-python-format (a percent sign, never %-formatted)
    "hot_spots_95": gettext_lazy("Hot spots at 95% or more"),
    # xgettext:no-python-format (a percent sign, never %-formatted)
    "hot_spots_99": gettext_lazy("Hot spots at 99% or more"),
    "hot_spots_99_9": gettext_lazy("Hot spots at 99.9%"),
    # xgettext:no-python-format (a percent sign, never %-formatted)
    "cold_spots_95": gettext_lazy("Cold spots at 95% or more"),
    "hot_spots_95_uncorrected": gettext_lazy("Hot spots at 95%, uncorrected"),
    "hot_spots_99_9_uncorrected": gettext_lazy("Hot spots at 99.9%, uncorrected"),
    "cold_spots_95_uncorrected": gettext_lazy("Cold spots at 95%, uncorrected"),
    "max_cell_count": gettext_lazy("Most incidents in one cell"),
    "cell_size_m": gettext_lazy("Cell size (m)"),
    "bandwidth_m": gettext_lazy("Density bandwidth (m)"),
    "peak_density_km2": gettext_lazy("Peak density (incidents per km²)"),
    "incidents_found_by_police_activity": gettext_lazy("Incidents found by police activity"),
    "cells_significant_only_with_police_found_records": gettext_lazy(
        "Cells significant only with police-found records"
    ),
    "map_cells": gettext_lazy("Cells on the map"),
    "map_truncated": gettext_lazy("Map limited to the busiest cells"),
}


def label(key: str) -> str:
    known = LABELS.get(key)
    if known is not None:
        return str(known)
    return key.replace("99_9", "99.9").replace("_", " ").capitalize()


def value_text(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return "—"
    return str(value)


def summary_items(summary: dict | None) -> list[tuple[str, str]]:
    """The summary's figures as (words, value) pairs, in the result's order."""
    return [(label(key), value_text(value)) for key, value in (summary or {}).items()]


def _rings(geometry: dict) -> list[list[list[float]]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return coordinates[:1]
    if kind == "MultiPolygon":
        return [polygon[0] for polygon in coordinates if polygon]
    return []


def map_svg(geojson: dict | None, *, title: str = "") -> str | None:
    """The result's features as an SVG map, or None when it has none."""
    features = [f for f in (geojson or {}).get("features") or [] if f.get("geometry")]
    features = features[:MAX_FEATURES]
    points: list[tuple[float, float]] = []
    for feature in features:
        geometry = feature["geometry"]
        if geometry.get("type") == "Point":
            points.append(tuple(geometry["coordinates"][:2]))  # type: ignore[arg-type]
        for ring in _rings(geometry):
            points.extend((x, y) for x, y, *_rest in ring)
    if not points:
        return None
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)

    def at(lon: float, lat: float) -> str:
        x = MARGIN + (lon - west) * squeeze * scale
        y = HEIGHT - MARGIN - (lat - south) * scale
        return f"{x:.1f},{y:.1f}"

    shapes = []
    outlines = []  # drawn last, on top: cells significant only with police-found records
    for feature in features:
        geometry, props = feature["geometry"], feature.get("properties") or {}
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            flagged = bool(props.get("near_repeat"))
            x, y = at(lon, lat).split(",")
            shapes.append(
                f'<circle cx="{x}" cy="{y}" r="{3 if flagged else 2}" '
                f'fill="{"#f0a04b" if flagged else "#6baed6"}" '
                f'stroke="{"#b35c00" if flagged else "#1f5f8b"}" stroke-width="0.5"/>'
            )
            continue
        colour = HOT.get(int(props.get("class") or 0), HOT[0])
        for ring in _rings(geometry):
            path = " ".join(at(x, y) for x, y, *_rest in ring)
            shapes.append(
                f'<polygon points="{path}" fill="{colour}" stroke="#ffffff" stroke-width="0.3"/>'
            )
            if props.get("significant_only_with_police_found"):
                outlines.append(
                    f'<polygon points="{path}" fill="none" stroke="#000000" stroke-width="1.5" '
                    'stroke-dasharray="3 2"/>'
                )
    extent = _("North up; %(w).4f to %(e).4f E, %(s).4f to %(n).4f N") % {
        "w": west,
        "e": east,
        "s": south,
        "n": north,
    }
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f8f9fa"/>'
        + "".join(shapes)
        + "".join(outlines)
        + f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 4}" font-size="10" text-anchor="end" '
        f'fill="#495057">{escape(extent)}</text>'
        "</svg>"
    )


def map_key(kind: str) -> list[tuple[str, str]]:
    """(colour, words) of the map image's key."""
    if kind == "hotspot":
        return [
            (HOT[3], _("Hot spot, 99.9%")),
            (HOT[2], _("Hot spot, 99%")),
            (HOT[1], _("Hot spot, 95%")),
            (HOT[0], _("Not significant")),
            (HOT[-1], _("Cold spot, 95%")),
            (HOT[-3], _("Cold spot, 99.9%")),
            ("#000000", _("Black dashed outline: significant only with police-found records")),
        ]
    return [("#f0a04b", _("Incident with a near repeat")), ("#6baed6", _("Other incident"))]
