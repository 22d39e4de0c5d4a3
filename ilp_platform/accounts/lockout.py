"""Lockout after failed logins: django-axes counts, this module adds an escalating cool-off.

A username + address pair reaching AXES_FAILURE_LIMIT failures is locked (``LoginLockout``) for
the cool-off its place in the run gives it (LOCKOUT_COOLOFF_MINUTES: 1, 5, 15, 60 ... minutes by
default). While it runs, every attempt from the pair is refused, even with the right password,
and the person is told how long to wait. When it runs out the end is recorded, the pair's
counters start again from zero and the next lockout, if it comes within LOCKOUT_RESET_HOURS,
waits longer. A successful login or an administrator's unlock forgets the pair's history.

Why the pair and not the address alone, or the username alone: locking a username everywhere
would let anyone who knows it lock its owner out from any address; locking an address would let
one person behind a shared NAT (a police station, a partner's network) lock out everyone behind
it. Locking the pair means someone at one address cannot lock out the account's owner at
another; colleagues behind the same NAT still can, for the cool-off only.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ilp_platform.accounts.models import LoginLockout


def cool_off(level: int) -> timedelta:
    """How long the ``level``-th lockout in a row lasts (the ladder's last step repeats)."""
    ladder = settings.LOCKOUT_COOLOFF_MINUTES
    return timedelta(minutes=ladder[max(1, min(level, len(ladder))) - 1])


def pair(username: str | None, ip_address: str | None) -> dict[str, str]:
    """The lookup of a username + address pair, as ``LoginLockout`` stores it."""
    return {"username": (username or "")[:255], "ip_address": ip_address or ""}


def current_lockout(username: str | None, ip_address: str | None) -> LoginLockout | None:
    """The pair's running lockout, if any (no side effect)."""
    return LoginLockout.objects.current().filter(**pair(username, ip_address)).first()


def wait_message(lockout: LoginLockout | None, now=None) -> str:
    """What a locked-out person is told: how long to wait. Never whether the username exists.

    The text depends only on the pair's lockout, which an unknown username gets exactly as a
    real one does.
    """
    base = _("Too many failed logins for this username from your network address.")
    if lockout is None:
        return f"{base} " + _("Try again later.")
    now = now or timezone.now()
    minutes = max(1, math.ceil((lockout.locked_until - now).total_seconds() / 60))
    at = timezone.localtime(lockout.locked_until).strftime("%H:%M %Z")
    wait = ngettext(
        "You can try again in %(n)d minute (at %(at)s).",
        "You can try again in %(n)d minutes (at %(at)s).",
        minutes,
    ) % {"n": minutes, "at": at}
    return f"{base} {wait} " + _("If you need access sooner, contact your system administrator.")


def retry_after_seconds(lockout: LoginLockout | None, now=None) -> int | None:
    if lockout is None:
        return None
    now = now or timezone.now()
    return max(1, math.ceil((lockout.locked_until - now).total_seconds()))
