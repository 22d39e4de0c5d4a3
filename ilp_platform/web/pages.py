"""Pages that belong to no domain app: home, justification, health, error pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from ilp_platform.core import home
from ilp_platform.core.querysets import compartment_model
from ilp_platform.web import purposes
from ilp_platform.web.health import health_response
from ilp_platform.web.justification import (
    remember_justification,
    session_justification,
    session_purpose,
)


@login_required
@require_safe
def home_page(request):
    user = request.user
    return render(
        request,
        "core/home.html",
        {
            "panels": home.panels_for(user),
            "compartments": compartment_model().objects.visible_to(user).only("name", "slug"),
            "role": user.primary_role,
            "roles": sorted(user.role_names),
        },
    )


class JustificationForm(forms.Form):
    work = forms.ChoiceField(
        label=_("Operation, requirement or tasking"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_(
            "The open work you are consulting for: it is recorded with every event, so "
            "oversight can see what was consulted for it. Or type a reference below."
        ),
    )
    reference = forms.CharField(
        label=_("Case or operation reference"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
        help_text=_("For example a crime number, an operation name or a tasking reference."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Why you need to consult this information."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        groups = purposes.choices_for(user)
        if groups:
            work = self.fields["work"]
            assert isinstance(work, forms.ChoiceField)
            work.choices = [("", _("None of these: I type a reference")), *groups]
        else:
            del self.fields["work"]

    def clean_work(self) -> str:
        value = self.cleaned_data.get("work") or ""
        if value:
            label = purposes.describe(self.user, value)
            if label is None:
                raise forms.ValidationError(_("Choose an operation, requirement or tasking."))
            self.work_label = label
        return value

    def clean(self):
        data = super().clean() or {}
        if self.errors:
            return data
        if not (
            data.get("work") or data.get("reference", "").strip() or data.get("purpose", "").strip()
        ):
            raise forms.ValidationError(
                _("Choose the work you are doing, or state a case reference or a purpose.")
            )
        return data

    def justification(self) -> str:
        reference = self.cleaned_data.get("reference", "").strip()
        if self.cleaned_data.get("work"):
            reference = self.work_label
        purpose = self.cleaned_data.get("purpose", "").strip()
        return " - ".join(part for part in (reference, purpose) if part)

    def purpose_key(self) -> str:
        return self.cleaned_data.get("work") or ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def justification(request):
    """Ask once per working context why the person is consulting intelligence."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    if request.method == "POST":
        form = JustificationForm(request.POST, user=request.user)
        if form.is_valid():
            remember_justification(request, form.justification(), form.purpose_key())
            return redirect(next_url)
    else:
        form = JustificationForm(initial={"next": next_url}, user=request.user)
    ttl_minutes = int(settings.ILP["JUSTIFICATION_TTL"].total_seconds() // 60)
    return render(
        request,
        "core/justification.html",
        {
            "form": form,
            "current": session_justification(request),
            "current_purpose": session_purpose(request),
            "ttl_minutes": ttl_minutes,
        },
    )


@never_cache
@require_GET
def healthz(request):
    return health_response()


def _api(request) -> bool:
    """A request to the API, which answers JSON even where no API view does (a path matching
    no route, say ``/api/v1/reports/1.5/``)."""
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _api(request):
        return JsonResponse(
            {"detail": gettext("You do not have permission to perform this action.")}, status=403
        )
    return render(request, "403.html", status=403)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": gettext("Server error.")}, status=500)
    return render(request, "500.html", status=500)
