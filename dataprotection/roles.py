"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, list[str]] = {}
