"""Session stamps, two-factor requirements and re-authentication checks.

The session carries three stamps written at login (see ``accounts.signals``):
- ``LOGIN_AT``: when the session began, for the absolute lifetime;
- ``LAST_SEEN``: the latest request, for the inactivity timeout;
- ``AUTH_AT``: when the password (and the code, when enrolled) was last proved, for the
  re-authentication the most sensitive actions ask for.
``TWO_FACTOR_PENDING`` holds what the person still owes after the password: ``verify`` (enrolled,
code not yet given) or ``enrol`` (their role requires it and they have no device yet).
"""

from __future__ import annotations

import functools
import time
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.views import View

    from ilp_platform.accounts.models import User

    _ViewBase = View
else:
    _ViewBase = object  # the mixin goes with a view class

LOGIN_AT = "ilp_login_at"
LAST_SEEN = "ilp_last_seen"
AUTH_AT = "ilp_auth_at"
TWO_FACTOR_PENDING = "ilp_2fa_pending"
PENDING_VERIFY = "verify"
PENDING_ENROL = "enrol"


# --- Two-factor -------------------------------------------------------------------------------


def two_factor_required(user: User | AnonymousUser) -> bool:
    """Whether this person's role obliges them to use a second factor."""
    if not settings.TWO_FACTOR_ENFORCED or not user.is_authenticated:
        return False
    return user.has_role(*settings.TWO_FACTOR_ROLES)


def enrolment_code_required(user: User | AnonymousUser) -> bool:
    """Whether enrolling an authenticator needs a one-time code issued by an administrator.

    It does for the roles that must use two-factor authentication, whenever it is enforced:
    at the first login, from the Security page, and after a reset. A stolen password alone
    then cannot register the thief's phone. Other people enrol freely (it is optional for them),
    and so does everyone when enforcement is off (the demo).
    """
    return two_factor_required(user)


def has_totp_device(user: User | AnonymousUser) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user: User | AnonymousUser) -> str:
    """What the person owes after a correct password: a code, an enrolment, or nothing."""
    if has_totp_device(user):
        return PENDING_VERIFY
    if two_factor_required(user):
        return PENDING_ENROL
    return ""


# --- Session stamps ---------------------------------------------------------------------------


def stamp_login(session) -> None:
    now = time.time()
    session[LOGIN_AT] = now
    session[LAST_SEEN] = now
    session[AUTH_AT] = now


def mark_authenticated(request) -> None:
    """The person has just proved who they are again (code verified, password confirmed)."""
    request.session[AUTH_AT] = time.time()


def reauth_window() -> timedelta:
    return timedelta(minutes=settings.REAUTH_MINUTES)


def recently_authenticated(request) -> bool:
    stamp = request.session.get(AUTH_AT) if hasattr(request, "session") else None
    if not stamp:
        return False
    return time.time() - stamp <= reauth_window().total_seconds()


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}"


def redirect_to_reauth(request, next_url: str | None = None) -> HttpResponseRedirect:
    messages.info(
        request,
        _("Confirm your password to continue: this action needs a recent confirmation."),
    )
    return HttpResponseRedirect(reauth_url(next_url or request.get_full_path()))


def require_recent_auth(view):
    """Decorator: the wrapped view runs only within REAUTH_MINUTES of a password confirmation.

    Otherwise the person is sent to the confirmation page and brought back afterwards.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not recently_authenticated(request):
            return redirect_to_reauth(request)
        return view(request, *args, **kwargs)

    return wrapped


class RecentAuthRequiredMixin(_ViewBase):
    """Class-based views: ``needs_recent_auth`` decides per request (every request by default)."""

    def needs_recent_auth(self, request) -> bool:
        return True

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and self.needs_recent_auth(request)
            and not recently_authenticated(request)
        ):
            return redirect_to_reauth(request)
        return super().dispatch(request, *args, **kwargs)


# --- API ----------------------------------------------------------------------------------------


def token_recently_confirmed(token) -> bool:
    from ilp_platform.accounts.models import TokenConfirmation

    confirmation = TokenConfirmation.objects.filter(token=token).first()
    return bool(confirmation and timezone.now() - confirmation.confirmed_at <= reauth_window())


class RecentAuthentication(BasePermission):
    """API: the caller proved their password within REAUTH_MINUTES.

    With a token, proving means requesting it again at ``/api/v1/auth/token/`` (password, and
    the code when enrolled); with a browser session, the session's confirmation time counts.
    Subclasses narrow it with ``applies`` (for instance only when a review erases).
    """

    message = _(
        "This action needs a recent password confirmation: request your token again at "
        "/api/v1/auth/token/ (with your two-factor code if enrolled) and retry."
    )

    def applies(self, request, view) -> bool:
        return True

    def has_permission(self, request, view) -> bool:
        if not self.applies(request, view):
            return True
        if isinstance(request.auth, Token):
            return token_recently_confirmed(request.auth)
        return recently_authenticated(request._request)
