"""Every route the platform serves, read from the URL configuration itself.

The access matrix and the bad-input corpus walk this list, so an endpoint added to any
``urls.py`` or API router appears here without anyone writing it down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

# Methods the matrix exercises; HEAD and OPTIONS follow GET and need no row of their own.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Route name prefixes that are not the platform's own pages (Django admin has its own tests).
SKIPPED_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class Route:
    """One named URL pattern: its name, kind (``api`` or ``page``), path and accepted methods."""

    name: str
    kind: str
    path: str
    methods: tuple[str, ...]
    kwargs: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return self.name


def _pattern_text(pattern) -> str:
    return str(pattern.pattern)


def _is_format_suffix(text: str) -> bool:
    # DRF adds a ``.json``-style twin of each route; it is the same view.
    return "(?P<format>" in text or "<drf_format_suffix:format>" in text


def _closure_methods(func, depth: int = 0) -> set[str] | None:
    """Methods allowed by ``require_http_methods`` (and its GET/POST shorthands) on a view."""
    if depth > 6 or func is None:
        return None
    for cell in getattr(func, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, str) and v.isupper() for v in value)
        ):
            return {v for v in value if v in METHODS}
    return _closure_methods(getattr(func, "__wrapped__", None), depth + 1)


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions is not None and cls is not None:
        # A router route: the methods it maps, less those the viewset turns away.
        allowed = {m.upper() for m in cls.http_method_names}
        found = {m.upper() for m in actions if m.upper() in allowed}
    elif cls is not None:
        allowed = {m.upper() for m in getattr(cls, "http_method_names", ())}
        found = {m for m in METHODS if m in allowed and hasattr(cls, m.lower())}
        if "GET" in found and cls.__name__ in ("FormView",):  # pragma: no cover - defensive
            found.add("POST")
    else:
        found = _closure_methods(callback) or {"GET", "POST"}
    return tuple(m for m in METHODS if m in found)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        text = _pattern_text(pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, prefix + text, full_ns)
        elif isinstance(pattern, URLPattern):
            if not pattern.name or _is_format_suffix(text):
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + text, pattern


def discover() -> list[Route]:
    """All named routes except Django admin, one per name, in URL configuration order."""
    routes: dict[str, Route] = {}
    for name, path, pattern in _walk(get_resolver().url_patterns):
        if name.split(":", 1)[0] in SKIPPED_NAMESPACES or name in routes:
            continue
        kind = "api" if path.startswith("api/") else "page"
        kwargs = tuple(re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", path))
        names = tuple(a or b for a, b in kwargs)
        routes[name] = Route(
            name=name, kind=kind, path=path, methods=_methods(pattern.callback), kwargs=names
        )
    return list(routes.values())
