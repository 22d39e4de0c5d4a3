"""The home page answers "what needs me today", assembled from panels each app contributes.

Apps register a panel provider in their ``AppConfig.ready``; core imports no domain app.
A provider takes the user and returns a list of panels, or an empty list when it has
nothing for that person.

A panel may carry a small bar chart (:class:`Chart`): labelled counts the provider has
already aggregated in SQL. The chart is drawn here as SVG on the server: every piece of text
is escaped before it enters the markup, colours come from CSS classes (no ``style``
attribute, no script), and the figures are repeated in the SVG's title so a screen reader
hears them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe

from ilp_platform.core.errors import MisuseError

if TYPE_CHECKING:
    from ilp_platform.core.people import Person

# Drawing box of a panel chart (the SVG scales to the card's width).
CHART_WIDTH = 300
CHART_HEIGHT = 120
_LABEL_BAND = 18  # room under the bars for the category labels
_VALUE_BAND = 14  # room above the tallest bar for its figure
TONES = ("primary", "secondary", "success", "warning", "danger")

_chart_ids = count(1)


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class Chart:
    """A small bar chart: one bar per label, heights proportional to the values.

    ``tones`` optionally colours each bar (one of TONES); ``summary`` names what is counted
    ("Reports awaiting evaluation by days waiting") and becomes the chart's accessible name.
    ``long_labels`` optionally spell out short axis labels ("14" -> "Tue 14 May") in the
    accessible name and the bars' tooltips.
    """

    summary: str
    labels: Sequence[str]
    values: Sequence[int]
    tones: Sequence[str] = ()
    show_values: bool = True
    long_labels: Sequence[str] = ()

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise MisuseError("A chart needs exactly one value per label.")
        if self.tones and len(self.tones) != len(self.values):
            raise MisuseError("A chart's tones, when given, need one per bar.")
        if self.long_labels and len(self.long_labels) != len(self.values):
            raise MisuseError("A chart's long labels, when given, need one per bar.")

    @property
    def spoken_labels(self) -> Sequence[str]:
        return self.long_labels or self.labels

    def description(self) -> str:
        """The figures in words: what a screen reader announces for the chart."""
        pairs = ", ".join(
            f"{label}: {value}"
            for label, value in zip(self.spoken_labels, self.values, strict=True)
        )
        return f"{self.summary}. {pairs}" if pairs else str(self.summary)

    def svg(self) -> SafeString:
        """The chart as SVG markup; safe to insert because every text is escaped here."""
        bars = len(self.values)
        chart_id = f"home-chart-{next(_chart_ids)}"
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="home-chart" role="img" '
            f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" preserveAspectRatio="xMidYMid meet" '
            f'aria-labelledby="{chart_id}">',
            f'<title id="{chart_id}">{_text(self.description())}</title>',
        ]
        base = CHART_HEIGHT - _LABEL_BAND
        parts.append(
            f'<line class="chart-axis" x1="0" y1="{base}" x2="{CHART_WIDTH}" y2="{base}"/>'
        )
        if bars:
            top = max(max(self.values), 1)
            slot = CHART_WIDTH / bars
            width = slot * 0.7
            usable = base - _VALUE_BAND
            spoken = self.spoken_labels
            for index, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
                value = max(int(value or 0), 0)
                height = round(usable * value / top, 1)
                x = round(index * slot + (slot - width) / 2, 1)
                centre = round(index * slot + slot / 2, 1)
                tone = self.tones[index] if self.tones else "primary"
                tone = tone if tone in TONES else "primary"
                parts.append(
                    f'<rect class="chart-bar tone-{tone}" x="{x}" y="{round(base - height, 1)}" '
                    f'width="{round(width, 1)}" height="{height}">'
                    f"<title>{_text(spoken[index])}: {value}</title></rect>"
                )
                if self.show_values:
                    parts.append(
                        f'<text class="chart-value" x="{centre}" y="{round(base - height - 3, 1)}" '
                        f'text-anchor="middle" aria-hidden="true">{value}</text>'
                    )
                parts.append(
                    f'<text class="chart-label" x="{centre}" y="{CHART_HEIGHT - 4}" '
                    f'text-anchor="middle" aria-hidden="true">{_text(label)}</text>'
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above went through _text


@dataclass
class Panel:
    title: str
    count: int | None = None
    url: str | None = None
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (label, url)
    tone: str = "primary"  # bootstrap colour for the count: primary, warning, danger
    note: str = ""
    order: int = 50
    chart: Chart | None = None

    @property
    def chart_svg(self) -> SafeString:
        return self.chart.svg() if self.chart is not None else mark_safe("")


# A provider takes the person the home page is for (the project's user model, which the kernel
# does not name: hence Any) and returns its panels.
PanelProvider = Callable[[Any], list[Panel]]
_providers: list[PanelProvider] = []


def register(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user: Person) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _providers:
        panels.extend(provider(user))
    return sorted(panels, key=lambda p: p.order)
