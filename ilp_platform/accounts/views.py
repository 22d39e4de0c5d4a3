"""Browser pages for two-factor authentication, re-authentication and the lockout notice."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ilp_platform.accounts import lockout, security, services
from ilp_platform.accounts.forms import CodeForm, EnrolmentForm, ReauthForm

RECOVERY_CODES_SESSION_KEY = "ilp_new_recovery_codes"


def _next_url(request, default: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def locked_out(request, original_response=None, credentials=None):
    """What a locked-out username+IP pair sees (django-axes calls this).

    The login page again, saying how long to wait, or JSON with ``retry_after`` for the API
    (a signed-in person confirming their password again gets the notice alone). The text is the
    same whether or not the username exists.
    """
    from axes.helpers import get_client_username

    from ilp_platform.web.middleware import client_ip

    username = get_client_username(request, credentials) or ""
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    lock = lockout.current_lockout(username, ip_address)
    text = lockout.wait_message(lock)
    retry_after = lockout.retry_after_seconds(lock)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": text, "code": "locked_out", "retry_after": retry_after}, status=403
        )
    elif request.user.is_authenticated:
        # Confirming the password again (re-authentication) failed too often: no login form.
        response = render(request, "accounts/locked_out.html", {"message": text}, status=403)
    else:
        form = AuthenticationForm(request, initial={"username": username[:150]})
        response = render(
            request,
            "accounts/login.html",
            {"form": form, "lockout": text, "next": _next_url(request, "")},
            status=403,
        )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The code step after the password, for people with an authenticator."""
    if request.session.get(security.TWO_FACTOR_PENDING) != security.PENDING_VERIFY:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verify_second_factor(request, form.cleaned_data["code"]):
            return HttpResponseRedirect(_next_url(request))
        form.add_error(
            "code",
            _("The code is not valid. Check the time on your phone, or use a recovery code."),
        )
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Enrol an authenticator app: QR code and secret, confirmed with a first code."""
    pending = request.session.get(security.TWO_FACTOR_PENDING)
    if pending == security.PENDING_VERIFY:
        return redirect(_with_next("accounts:two_factor_verify", _next_url(request)))
    if security.has_totp_device(request.user) and not security.recently_authenticated(request):
        # Replacing an authenticator is as sensitive as the actions it protects.
        return security.redirect_to_reauth(request)
    device = services.begin_enrolment(request.user)
    needs_enrolment_code = security.enrolment_code_required(request.user)
    form = EnrolmentForm(request.POST or None, needs_enrolment_code=needs_enrolment_code)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_enrolment(
                request,
                device,
                form.cleaned_data["code"],
                enrolment_code=form.cleaned_data.get("enrolment_code", ""),
            )
        except services.EnrolmentRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_with_next("accounts:recovery_codes", _next_url(request)))
    secret = b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": qr.svg_inline(scale=5, border=2, light="#fff", title=_("QR code")),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": pending == security.PENDING_ENROL,
            "needs_enrolment_code": needs_enrolment_code,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """New recovery codes are shown once; regenerating replaces them all."""
    if request.method == "POST":
        if not security.recently_authenticated(request):
            return security.redirect_to_reauth(request, reverse("accounts:security"))
        if not security.has_totp_device(request.user):
            return redirect("accounts:security")
        request.session[RECOVERY_CODES_SESSION_KEY] = services.regenerate_recovery_codes(
            request.user
        )
        messages.success(request, _("New recovery codes issued; the old ones no longer work."))
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "left": services.recovery_codes_left(request.user),
            "next": _next_url(request, reverse("accounts:security")),
        },
    )


@login_required
@require_safe
def security_overview(request):
    """The person's own security settings: two-factor status and recovery codes."""
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enrolled": security.has_totp_device(user),
            "required": security.two_factor_required(user),
            "needs_enrolment_code": security.enrolment_code_required(user),
            "codes_left": services.recovery_codes_left(user),
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
            "max_hours": settings.SESSION_MAX_HOURS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request):
    """Confirm the password (and code) again before a sensitive action, then carry on."""
    needs_code = security.has_totp_device(request.user)
    form = ReauthForm(request.POST or None, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        errors = services.reauthenticate(
            request,
            password=form.cleaned_data["password"],
            code=form.cleaned_data.get("code", ""),
        )
        if not errors:
            return HttpResponseRedirect(_next_url(request))
        for field, message in errors.items():
            form.add_error(field, message)
    return render(
        request,
        "accounts/reauth.html",
        {"form": form, "next": _next_url(request), "minutes": settings.REAUTH_MINUTES},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, keeping the session index in step with the rotated id."""

    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)
        services.forget_session(old_key)
        user = self.request.user
        if user.is_authenticated:  # always: changing one's password needs a login
            services.remember_session(user, self.request.session.session_key)
        return response


@require_POST
def set_language(request):
    """The language menu: Django's switch (the cookie, back to ``next``), and for a signed-in
    person the choice remembered on their account (audited), so it follows them to another
    browser and their e-mails are written in it."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(request.user, language)
    return response
