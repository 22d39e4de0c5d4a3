"""A small link chart drawn on the server as SVG: entities on a ring (one in the middle when
the chart is about it), links as lines whose dash says how sure the link is. No script and no
inline style, so it renders under the content security policy, without JavaScript and in
print; the template is ``core/_ring_chart.html``.

Nodes are dicts with ``id``, ``name``, ``kind`` (an entity kind's value), ``kind_label`` and
``url``; edges have ``source``, ``target``, ``strength`` (a link strength's value) and
``title``. Callers pass only what the reader may see.
"""

from __future__ import annotations

import math
from typing import Any

WIDTH, HEIGHT = 760, 440
KIND_COLOURS = {
    "person": "#1f5f8b",
    "organisation": "#d9822b",
    "vehicle": "#2e8540",
    "location": "#6f4e9c",
    "communication": "#b83232",
}
OTHER_COLOUR = "#5a6570"
STRENGTH_DASH = {"confirmed": "", "tentative": "6 4", "unconfirmed": "2 4"}


def ring_chart(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    *,
    centre: int | None = None,
    kinds: list[tuple[str, Any]] = (),  # type: ignore[assignment]
    strengths: list[tuple[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Positions for ``nodes`` and lines for the ``edges`` between them; ``kinds`` and
    ``strengths`` ((value, label) pairs) make the legend."""
    ring = [n for n in nodes if n["id"] != centre]
    radius = min(WIDTH, HEIGHT) / 2 - 50
    cx, cy = WIDTH / 2, HEIGHT / 2
    where: dict[int, tuple[float, float]] = {}
    drawn = []
    for node in nodes:
        # Labels sit outside the ring, anchored away from the centre, so neighbours' names do
        # not run into each other; the centre's (or a lone node's) sits below it.
        if node["id"] == centre or len(ring) <= 1 and centre is None:
            x, y = cx, cy
            label_x, label_y, anchor = x, y + 24, "middle"
        else:
            i = ring.index(node)
            angle = 2 * math.pi * i / len(ring) - math.pi / 2
            cos, sin = math.cos(angle), math.sin(angle)
            x, y = round(cx + radius * cos, 1), round(cy + radius * sin, 1)
            label_x = x + 15 * cos
            label_y = y + 15 * sin + (4 if abs(sin) < 0.5 else 12 if sin > 0 else -4)
            anchor = "start" if cos > 0.2 else "end" if cos < -0.2 else "middle"
        where[node["id"]] = (x, y)
        drawn.append(
            {
                **node,
                "x": x,
                "y": y,
                "corner_x": round(x - 9, 1),
                "corner_y": round(y - 9, 1),
                "label_x": round(label_x, 1),
                "label_y": round(label_y, 1),
                "anchor": anchor,
                "shape": "circle" if node["kind"] == "person" else "square",
                "colour": KIND_COLOURS.get(node["kind"], OTHER_COLOUR),
                "centre": node["id"] == centre,
            }
        )
    lines = []
    for edge in edges:
        if edge["source"] in where and edge["target"] in where:
            (x1, y1), (x2, y2) = where[edge["source"]], where[edge["target"]]
            lines.append(
                {
                    "x1": x1,
                    "y1": y1,
                    "x2": x2,
                    "y2": y2,
                    "title": edge.get("title", ""),
                    "dash": STRENGTH_DASH.get(edge.get("strength", ""), ""),
                }
            )
    legend = [
        {
            "label": label,
            "colour": KIND_COLOURS.get(value, OTHER_COLOUR),
            "shape": "circle" if value == "person" else "square",
        }
        for value, label in kinds
    ]
    return {
        "nodes": drawn,
        "edges": lines,
        "legend": legend,
        "strengths": [(label, STRENGTH_DASH.get(value, "")) for value, label in strengths],
        "width": WIDTH,
        "height": HEIGHT,
    }
