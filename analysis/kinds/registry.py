"""The kinds of analysis job, by name: each kind is one module of ``analysis.kinds`` that
declares a :class:`Kind` and passes it to :func:`register`.

Everything that offers or checks kinds reads them here: the job form and pages, the API (its
validation and its OpenAPI schema), the list filters and the service that validates and runs
jobs. The modules of the package are imported the first time the registry is asked, so a
new kind is one new module and nothing else; a process that never touches analysis does not
load numpy and scipy for it.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ilp_platform.core.errors import MisuseError

if TYPE_CHECKING:
    from analysis.kinds.params import Context, Param

# run(user, params, compartment_ids, progress) -> {"summary", "tables", "charts", ...}
Runner = Callable[..., dict]
# check(params, context): rules between a kind's parameters (errors go to context.errors)
Check = Callable[[dict, "Context"], None]


@dataclass
class Kind:
    """One kind of analysis.

    - ``name``: the public value (``kind`` in the API, ``?kind=`` in the browser);
    - ``label``, ``description``: how the chooser and the job pages present it;
    - ``params``: its own parameters, beside the common ones every job takes (compartments,
      crime types, dates) and, when ``area`` is true, a bounding box or polygon;
    - ``run``: the work, reading only what the requester may see;
    - ``spatial``: its result is drawn on a map (GeoJSON), explained by ``map_help``;
    - ``check``: rules between parameters, run after each was validated;
    - ``notes``: a kind's own help text for a common parameter;
    - ``order``: its place among the kinds offered.
    """

    name: str
    label: str
    description: str
    run: Runner
    params: tuple[Param, ...] = ()
    spatial: bool = False
    map_help: str = ""
    area: bool = True
    check: Check | None = None
    notes: dict[str, str] = field(default_factory=dict)
    order: int = 100


_KINDS: dict[str, Kind] = {}
_discovered = False
_discovering = threading.RLock()


def register(kind: Kind) -> Kind:
    """Add ``kind`` (its module calls this when imported); a name is registered once."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise MisuseError(f"an analysis kind named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that register one of their own)."""
    _KINDS.pop(name, None)


def _discover() -> None:
    """Import every module of ``analysis.kinds`` once: each kind registers itself."""
    global _discovered
    if _discovered:
        return
    with _discovering:  # another thread asking meanwhile waits for every kind
        if _discovered:
            return
        package = importlib.import_module(__package__)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{__package__}.{module.name}")
        _discovered = True


def kinds() -> list[Kind]:
    """Every kind, in the order they are offered."""
    _discover()
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.name))


def get(name: Any) -> Kind | None:
    _discover()
    return _KINDS.get(name) if isinstance(name, str) else None


def names() -> list[str]:
    return [k.name for k in kinds()]


def choices() -> list[tuple[str, str]]:
    """(name, label) of every kind: the job's ``kind`` field and the list filters."""
    return [(k.name, k.label) for k in kinds()]


class Choices:
    """The kinds' (name, label) pairs, read afresh each time they are iterated: for places
    that take a sequence of choices once, at import (a filter, the schema)."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(choices())

    def __len__(self) -> int:
        return len(choices())

    def __getitem__(self, index):
        return choices()[index]
