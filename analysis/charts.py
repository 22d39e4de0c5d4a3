"""Server-side SVG charts for job results: bar, line and heat-map charts.

Charts are built as text here (no JavaScript, nothing fetched), so they print, embed in PDF
products and work offline. Every piece of text that enters the SVG goes through
:func:`_text`, which escapes it: a crime type named ``<script>`` stays text. Colours are
presentation attributes, not ``style`` attributes, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

WIDTH = 720
PALETTE = [
    "#1f5f8b",
    "#d9822b",
    "#2e8540",
    "#b83232",
    "#6f4e9c",
    "#8c6d31",
    "#c0458a",
    "#5a6570",
    "#1b998b",
    "#9c9c2e",
]
FONT = 'font-family="system-ui, sans-serif"'


def _text(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _open(title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="img-fluid" role="img" '
        f'aria-label="{_text(title)}" {FONT} font-size="12">',
        f"<title>{_text(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _y_axis(parts, left, top, plot_h, plot_w, top_value, ticks=4):
    for k in range(ticks + 1):
        value = top_value * k / ticks
        y = top + plot_h - plot_h * k / ticks
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="#e3e6ea" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">'
            f"{_text(_fmt(value))}</text>"
        )


def bar_chart(
    title: str, labels: Sequence, values: Sequence[float], *, value_label: str = ""
) -> str:
    """Vertical bars, one per label; labels longer than the bar are cut with an ellipsis."""
    n = max(len(values), 1)
    height, left, right, top, bottom = 300, 56, 12, 16, 72
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value = _nice_max(max([float(v) for v in values] or [0]))
    parts = _open(title, WIDTH, height)
    _y_axis(parts, left, top, plot_h, plot_w, top_value)
    slot = plot_w / n
    bar = max(1.0, slot * 0.75)
    every = max(1, math.ceil(n / 30))
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * float(value) / top_value
        x = left + k * slot + (slot - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{_text(label)}: '
            f"{_text(_fmt(float(value)))}</title></rect>"
        )
        if k % every == 0:
            short = str(label) if len(str(label)) <= 14 else str(label)[:13] + "\u2026"
            cx, cy = x + bar / 2, top + plot_h + 10
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" fill="#444" '
                f'transform="rotate(-45 {cx:.1f} {cy:.1f})">{_text(short)}</text>'
            )
    if value_label:
        parts.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" fill="#444" text-anchor="middle" '
            f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{_text(value_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str, x_labels: Sequence, series: Sequence[tuple[str, Sequence[float]]]
) -> str:
    """One line per series over shared x labels, with a legend below."""
    legend_rows = math.ceil(len(series) / 4) if series else 0
    height, left, right, top = 320 + 18 * legend_rows, 56, 12, 16
    bottom = 64 + 18 * legend_rows
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max((float(v) for _name, values in series for v in values), default=0.0)
    top_value = _nice_max(peak)
    parts = _open(title, WIDTH, height)
    _y_axis(parts, left, top, plot_h, plot_w, top_value)
    n = max(len(x_labels), 1)
    step = plot_w / max(n - 1, 1)
    every = max(1, math.ceil(n / 16))
    for k, label in enumerate(x_labels):
        if k % every:
            continue
        x = left + k * step
        y = top + plot_h + 14
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="end" fill="#444" '
            f'transform="rotate(-35 {x:.1f} {y})">{_text(label)}</text>'
        )
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = " ".join(
            f"{left + k * step:.1f},{top + plot_h - plot_h * float(v) / top_value:.1f}"
            for k, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{_text(name)}</title></polyline>"
        )
        lx = left + (s % 4) * (plot_w / 4)
        ly = height - 18 * legend_rows + 18 * (s // 4) - 4
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16:.1f}" y="{ly + 1}" fill="#222">{_text(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heat_map(
    title: str,
    row_labels: Sequence,
    col_labels: Sequence,
    matrix: Sequence[Sequence[float]],
    *,
    decimals: int = 1,
) -> str:
    """A matrix of shaded cells (white to dark blue), each with its value as a tooltip."""
    rows, cols = len(row_labels), len(col_labels)
    left, top, cell_w, cell_h = 96, 28, (WIDTH - 96 - 12) / max(cols, 1), 26
    height = top + rows * cell_h + 12
    peak = max((float(v) for row in matrix for v in row), default=0.0) or 1.0
    parts = _open(title, WIDTH, int(height))
    for c, label in enumerate(col_labels):
        parts.append(
            f'<text x="{left + (c + 0.5) * cell_w:.1f}" y="{top - 8}" text-anchor="middle" '
            f'fill="#444">{_text(label)}</text>'
        )
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="#222">{_text(label)}</text>'
        )
        for c in range(cols):
            value = float(matrix[r][c])
            share = max(0.0, min(1.0, value / peak))
            red = int(255 - share * (255 - 17))
            green = int(255 - share * (255 - 63))
            blue = int(255 - share * (255 - 110))
            parts.append(
                f'<rect x="{left + c * cell_w:.1f}" y="{y}" width="{cell_w:.1f}" '
                f'height="{cell_h}" fill="#{red:02x}{green:02x}{blue:02x}" stroke="#ffffff">'
                f"<title>{_text(label)} {_text(col_labels[c])}: "
                f"{_text(f'{value:.{decimals}f}')}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def knox_table_chart(
    title: str,
    row_labels: Sequence,
    col_labels: Sequence,
    ratios: Sequence[Sequence[float | None]],
    p_values: Sequence[Sequence[float]],
    *,
    alpha: float = 0.05,
) -> str:
    """Knox ratios as a grid: significant cells above 1 in orange, the rest grey."""
    rows, cols = len(row_labels), len(col_labels)
    left, top, cell_w, cell_h = 120, 28, (WIDTH - 120 - 12) / max(cols, 1), 30
    height = top + rows * cell_h + 12
    parts = _open(title, WIDTH, int(height))
    for c, label in enumerate(col_labels):
        parts.append(
            f'<text x="{left + (c + 0.5) * cell_w:.1f}" y="{top - 8}" text-anchor="middle" '
            f'fill="#444">{_text(label)}</text>'
        )
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
            f'fill="#222">{_text(label)}</text>'
        )
        for c in range(cols):
            ratio, p = ratios[r][c], p_values[r][c]
            significant = ratio is not None and ratio > 1 and p < alpha
            fill = "#f0a04b" if significant else "#eef0f2"
            text = "" if ratio is None else f"{ratio:.2f}"
            cx = left + c * cell_w
            parts.append(
                f'<rect x="{cx:.1f}" y="{y}" width="{cell_w:.1f}" height="{cell_h}" '
                f'fill="{fill}" stroke="#ffffff"><title>{_text(label)}, {_text(col_labels[c])}'
                f": ratio {_text(text)}, p = {p:.3f}</title></rect>"
                f'<text x="{cx + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" '
                f'text-anchor="middle" fill="#222">{_text(text)}{"*" if significant else ""}'
                "</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
