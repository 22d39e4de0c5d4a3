"""The administrators' e-mail about locked logins (a task, queued after a lockout commits).

Kept apart from ``accounts.tasks``, which calls the services: the services queue this one.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ilp_platform.accounts.choices import LOCKOUT_MAIL_INTERVAL_MINUTES, Role
from ilp_platform.accounts.models import LoginLockout, User

_MAIL_THROTTLE_KEY = "accounts:lockout-mail-sent"


def _administrators():
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True))
        .exclude(email="")
    )


def addresses_by_language() -> dict[str, list[str]]:
    """The administrators' addresses grouped by the language each reads e-mails in (their
    own, else the platform's default)."""
    grouped: dict[str, set[str]] = {}
    for email, language in _administrators().values_list("email", "language"):
        grouped.setdefault(language or settings.LANGUAGE_CODE, set()).add(email)
    return {language: sorted(emails) for language, emails in sorted(grouped.items())}


@shared_task(acks_late=True, name="ilp_platform.accounts.tasks.mail_lockout_notice")
def mail_lockout_notice() -> int:
    """Tell the administrators by e-mail that logins are locked; returns the recipients.

    Sent only when EMAIL_HOST is configured, and at most once every
    LOCKOUT_MAIL_INTERVAL_MINUTES: a burst of lockouts (someone trying many usernames) makes
    one message (one per language the administrators read), not hundreds. It names no
    username or address (e-mail leaves the platform); the administrators' home page and the
    admin list them.
    """
    if not settings.EMAIL_HOST:
        return 0
    locked = LoginLockout.objects.current().count()
    if not locked:
        return 0
    by_language = addresses_by_language()
    if not by_language:
        return 0
    if not cache.add(
        _MAIL_THROTTLE_KEY, timezone.now().isoformat(), LOCKOUT_MAIL_INTERVAL_MINUTES * 60
    ):
        return 0
    sent = 0
    for language, recipients in by_language.items():
        with translation.override(language):  # one message per language, each in its own
            send_mail(*_lockout_message(locked), None, recipients, fail_silently=False)
        sent += len(recipients)
    return sent


def _lockout_message(locked: int) -> tuple[str, str]:
    subject = _("%(name)s: logins locked after failed attempts") % {
        "name": settings.ILP.get("DEPLOYMENT_NAME", "ILP platform")
    }
    body = "\n\n".join(
        [
            ngettext(
                "%(n)d username and address pair is locked after repeated failed logins.",
                "%(n)d username and address pairs are locked after repeated failed logins.",
                locked,
            )
            % {"n": locked},
            _(
                "Each lock lifts itself after its cool-off. To see them, or to unlock one now, "
                "open the administration site, Accounts and access > Login lockouts (also listed "
                "on your home page). Every lockout is in the audit trail."
            ),
            _("You receive at most one such message every %(n)d minutes.")
            % {"n": LOCKOUT_MAIL_INTERVAL_MINUTES},
        ]
    )
    return subject, body
