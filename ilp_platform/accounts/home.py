"""The administrators' home panel: logins locked right now, each with a way to unlock it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ilp_platform.core.home import Panel

if TYPE_CHECKING:
    from ilp_platform.accounts.models import User

# Lockouts named on the panel; the admin list has the rest.
PANEL_ITEMS = 5


def lockout_panels(user: User) -> list[Panel]:
    if not user.has_perm("accounts.view_loginlockout"):
        return []
    from ilp_platform.accounts.models import LoginLockout

    now = timezone.now()
    current = LoginLockout.objects.current(now)
    shown = list(current.order_by("-locked_at")[: PANEL_ITEMS + 1])
    count = len(shown) if len(shown) <= PANEL_ITEMS else current.count()
    listing = reverse("admin:accounts_loginlockout_changelist")
    items: list[tuple[str, str | None]] = [
        (
            _("%(user)s from %(ip)s, until %(at)s")
            % {
                "user": lock.username or _("(no username)"),
                "ip": lock.ip_address or _("unknown address"),
                "at": timezone.localtime(lock.locked_until).strftime("%H:%M"),
            },
            f"{listing}?{urlencode({'state': 'current', 'q': lock.username})}",
        )
        for lock in shown[:PANEL_ITEMS]
    ]
    return [
        Panel(
            title=_("Logins locked now"),
            count=count,
            url=f"{listing}?state=current",
            items=items,
            tone="danger" if count else "success",
            note=(
                _(
                    "Locked after repeated failed logins; each lifts itself after its cool-off. "
                    "Unlock one now from the list."
                )
                if count
                else _("No username and address pair is locked.")
            ),
            order=5,
        )
    ]
