"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``.

Only the data-protection officer (the oversight role) handles data-subject requests. A
superuser's blanket permissions do not open them: requests are visible to, and the services
act for, members of the oversight role only (``subjectrequests.models.handles_requests``)."""

from __future__ import annotations

from ilp_platform.accounts.choices import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OVERSIGHT: [
        "subjectrequests.view_subjectrequest",
        "subjectrequests.add_subjectrequest",
        "subjectrequests.change_subjectrequest",
    ],
}
