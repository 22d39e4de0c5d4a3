"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``."""

from __future__ import annotations

from ilp_platform.accounts.choices import Role

# The data-protection officer is the oversight role.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OVERSIGHT: [
        "dataprotection.view_processingrecord",
        "dataprotection.change_processingrecord",
        "dataprotection.view_impactassessment",
        "dataprotection.add_impactassessment",
        "dataprotection.change_impactassessment",
        "dataprotection.approve_impactassessment",
        "dataprotection.view_proportionalitypack",
        "dataprotection.add_proportionalitypack",
    ],
}
