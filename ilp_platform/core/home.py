"""The home page answers "what needs me today", assembled from panels each app contributes.

Apps register a panel provider in their ``AppConfig.ready``; core imports no domain app.
A provider takes the user and returns a list of panels, or an empty list when it has
nothing for that person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    title: str
    count: int | None = None
    url: str | None = None
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (label, url)
    tone: str = "primary"  # bootstrap colour for the count: primary, warning, danger
    note: str = ""
    order: int = 50


PanelProvider = Callable[[object], list[Panel]]
_providers: list[PanelProvider] = []


def register(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _providers:
        panels.extend(provider(user))
    return sorted(panels, key=lambda p: p.order)
