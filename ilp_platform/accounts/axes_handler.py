"""The login-failure handler django-axes uses (``AXES_HANDLER``): locks a username+IP pair only
while its cool-off runs (``ilp_platform.accounts.lockout``)."""

from __future__ import annotations

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit

from ilp_platform.accounts import services


class EscalatingLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the pair locked only while its cool-off runs.

    axes decides that the pair has reached the failure limit; a running ``LoginLockout`` then
    keeps it locked. One whose cool-off has run out is ended here (recorded, counters reset), so
    the attempt goes ahead as the first of a fresh count.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        failures = self.get_failures(request, credentials)
        if failures < get_failure_limit(request, credentials):
            return False
        lock = services.lockout_in_force(
            username=get_client_username(request, credentials),
            ip_address=getattr(request, "axes_ip_address", None),
            failures=failures,
        )
        return lock is not None
