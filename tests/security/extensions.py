"""Apps added later keep their rows of the security suites beside their own tests:

- ``tests/<app>/matrix_entries.py``: ``FACTORIES`` and ``REGISTRY`` for the access matrix
  (same shapes as in :mod:`tests.security.matrix`);
- ``tests/<app>/reference_factories.py``: ``GENERAL``, ``GENERAL_WITH`` and ``HIDDEN`` for the
  reference-leak test (same shapes as in :mod:`tests.security.references`).

The shared modules merge them at import, so a new app's routes and references are covered
without editing the shared tables.
"""

from __future__ import annotations

from importlib import import_module

from ilp_platform.accounts.roles import EXTENSION_APPS


def merge(target: dict, module_suffix: str, attribute: str) -> None:
    for app in EXTENSION_APPS:
        name = f"tests.{app}.{module_suffix}"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        target.update(getattr(module, attribute, {}))
