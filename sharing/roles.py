"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``."""

from __future__ import annotations

from ilp_platform.accounts.choices import Role

_SHARERS = ["sharing.view_share", "sharing.add_share", "sharing.view_aggregates"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ANALYST: _SHARERS,
    Role.MANAGER: _SHARERS,
}
