"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``.

Administrators keep the installation's keys and the partner register; analysts and managers
read the register, build packages for partners and take in packages received."""

from __future__ import annotations

from ilp_platform.accounts.choices import Role

_SENDERS = [
    "exchange.view_partner",
    "exchange.view_exchangepackage",
    "exchange.add_exchangepackage",
    "exchange.view_receivedpackage",
    "exchange.add_receivedpackage",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ANALYST: _SENDERS,
    Role.MANAGER: _SENDERS,
    Role.ADMINISTRATOR: [
        "exchange.view_partner",
        "exchange.add_partner",
        "exchange.change_partner",
        "exchange.view_installationkey",
        "exchange.add_installationkey",
    ],
}
