"""Review-compliance figures shown to oversight, contributed by the apps that own the data.

Apps register a provider returning ``[(label, value, tone)]``; the audit app imports none.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable[[], list[tuple[str, object, str]]]] = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def figures() -> list[tuple[str, object, str]]:
    rows: list[tuple[str, object, str]] = []
    for provider in _providers:
        rows.extend(provider())
    return rows
