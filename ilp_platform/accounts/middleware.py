"""Session lifetime and the two-factor step, enforced on every request; the signed-in person's
own language."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ilp_platform.accounts import security
from ilp_platform.accounts.choices import LAST_SEEN_RESOLUTION, LogoutReason


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


# Sent by progress fragments that refresh themselves (``hx-headers`` in their templates): a page
# left open polling is not a person at work, so it must not hold the session open.
POLL_HEADER = "X-ILP-Poll"


def _is_poll(request) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


class SessionLifetimeMiddleware:
    """Ends a browser session after inactivity or after its absolute lifetime.

    The person is logged out with a message saying why, and the logout event records the
    reason. API calls on an expired session answer 401 instead of a redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            reason = self._expired(session, activity=not _is_poll(request))
            if reason:
                return self._end(request, reason)
        return self.get_response(request)

    @staticmethod
    def _expired(session, *, activity: bool = True) -> str:
        now = time.time()
        started = session.get(security.LOGIN_AT)
        seen = session.get(security.LAST_SEEN)
        if started is None:
            # A session from before these stamps existed: its lifetime starts now.
            security.stamp_login(session)
            return ""
        if now - started > settings.SESSION_MAX_HOURS * 3600:
            return LogoutReason.ABSOLUTE
        if seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60:
            return LogoutReason.IDLE
        # Written at most once a minute: a session write per request would cost a query each.
        if activity and (seen is None or now - seen >= LAST_SEEN_RESOLUTION):
            session[security.LAST_SEEN] = now
        return ""

    @staticmethod
    def _end(request, reason: str):
        request.logout_reason = reason
        logout(request)
        if reason == LogoutReason.IDLE:
            text = _(
                "Your session ended after %(n)d minutes without activity. Please log in again."
            )
            text %= {"n": settings.SESSION_IDLE_MINUTES}
        else:
            text = _("Your session reached its maximum length of %(n)d hours. Please log in again.")
            text %= {"n": settings.SESSION_MAX_HOURS}
        if _is_api(request):
            return JsonResponse({"detail": text, "code": "session_expired"}, status=401)
        messages.warning(request, text)
        if request.headers.get("HX-Request") == "true":
            # An htmx fragment would otherwise swap the login form into the page: send the
            # whole window to the login page, returning to the page the fragment was on.
            current = request.headers.get("HX-Current-URL", "")
            target = urlsplit(current)._replace(scheme="", netloc="").geturl() or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse('accounts:login')}?{urlencode({'next': target})}"
            return response
        target = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


class TwoFactorMiddleware:
    """Holds a person who still owes a code (or an enrolment) to that step, and nowhere else.

    What is owed was worked out at login and kept in the session, so ordinary requests cost
    no query here.
    """

    _OPEN_URL_NAMES = (
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in self._OPEN_URL_NAMES)
        return path in self._open_paths or path.startswith(settings.STATIC_URL)

    def __call__(self, request):
        session = getattr(request, "session", None)
        pending = session.get(security.TWO_FACTOR_PENDING) if session is not None else None
        if pending and request.user.is_authenticated and not self._open(request.path):
            return self._hold(request, pending)
        return self.get_response(request)

    @staticmethod
    def _hold(request, pending: str):
        if _is_api(request):
            return JsonResponse(
                {
                    "detail": _("Complete two-factor authentication in the browser first."),
                    "code": "two_factor_required",
                },
                status=403,
            )
        name = (
            "accounts:two_factor_verify"
            if pending == security.PENDING_VERIFY
            else "accounts:two_factor_enrol"
        )
        target = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': target})}")


def _own_language(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return getattr(user, "language", "") or ""


class UserLanguageMiddleware:
    """The signed-in person's own language (``User.language``) on every page, whatever the
    browser's cookie says, so it follows them to another browser; and the browser's language
    cookie brought in step (at login too), so the pages they see signed out in it (the login
    page) follow. A person with no language of their own, and anyone not signed in, gets the
    browser's choice (the cookie, else Accept-Language) as ``LocaleMiddleware`` reads it.
    After the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = _own_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read again: the request may have signed the person in or changed their language.
        language = _own_language(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language and request.COOKIES.get(cookie) != language and cookie not in response.cookies:
            response.set_cookie(
                cookie,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
