"""Base views every app builds on: restriction, justification and consultation logging.

An app view declares its model and what it needs; this module applies ``visible_to``,
asks for a justification where content is consulted, and writes the consultation event
before the response is produced, so no app view can forget either.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import DetailView, ListView

from audit import services as audit
from audit.choices import Action
from ilp_platform.core.justification import justification_in_force
from ilp_platform.core.paging import KeysetPage, keyset_page


def audit_unavailable_response() -> HttpResponse:
    return HttpResponse(
        "The audit trail cannot be written just now, so this record cannot be shown. "
        "Try again shortly; if it persists, tell the system administrator.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )


class RestrictedViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Login, role permission, compartment restriction and justification for a browser view."""

    model = None
    requires_justification = True
    raise_exception = False

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        opts = self.model._meta
        return [f"{opts.app_label}.view_{opts.model_name}"]

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            audit.record_denied(
                object_type=self.model._meta.label_lower if self.model else "",
                reason=f"role lacks permission for {self.request.path}",
            )
        return super().handle_no_permission()

    def get_base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        return self.get_base_queryset()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            return self.handle_no_permission()
        from ilp_platform.core.api import nul_parameters

        nul = nul_parameters(request.GET)
        if nul:
            return HttpResponseBadRequest(
                f"A NUL character is not allowed in: {', '.join(nul)}.",
                content_type="text/plain; charset=utf-8",
            )
        if self.requires_justification and not justification_in_force():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('core:justification')}?{query}")
        try:
            return super().dispatch(request, *args, **kwargs)
        except audit.AuditUnavailable:
            return audit_unavailable_response()


class RestrictedDetailView(RestrictedViewMixin, DetailView):
    """A record page; a record outside the user's compartments is a 404, and the refusal logged."""

    def get_object(self, queryset=None):
        try:
            obj = super().get_object(queryset)
        except Http404:
            audit.record_denied(
                object_type=self.model._meta.label_lower,
                object_id=self.kwargs.get(self.pk_url_kwarg) or self.kwargs.get("slug", ""),
                reason="not found or outside the user's compartments",
            )
            raise
        audit.consultation(Action.VIEW, obj=obj)
        return obj


class RestrictedListView(RestrictedViewMixin, ListView):
    """A list page with keyset pagination; the ids shown are logged as a consultation."""

    page_size = 50
    ordering_field = "pk"
    list_action = Action.LIST

    def get_context_data(self, **kwargs):
        queryset = self.get_queryset()
        page: KeysetPage = keyset_page(
            queryset,
            cursor=self.request.GET.get("cursor"),
            size=self.page_size,
            field=self.ordering_field,
        )
        self.record_consultation(page)
        kwargs.setdefault("object_list", page.items)
        context = super().get_context_data(**kwargs)
        context["page"] = page
        context["page_querystring"] = self.page_querystring()
        return context

    def page_querystring(self) -> str:
        params = self.request.GET.copy()
        params.pop("cursor", None)
        return params.urlencode()

    def record_consultation(self, page: KeysetPage) -> None:
        audit.consultation(
            self.list_action,
            object_type=self.model._meta.label_lower,
            ids=[obj.pk for obj in page.items],
            query=self.request.GET.get("q") or None,
        )
