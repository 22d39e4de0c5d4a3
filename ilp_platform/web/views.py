"""Base views every app builds on: restriction, justification and consultation logging.

An app view declares its model and what it needs; this module applies ``visible_to``,
asks for a justification where content is consulted, and writes the consultation event
before the response is produced, so no app view can forget either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import context
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.justification import justification_in_force
from ilp_platform.core.paging import KeysetPage, keyset_page, keyset_page_by
from ilp_platform.web import sorting
from ilp_platform.web.forms import apply_errors

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader


class _FellOutside(Exception):
    pass


def write_visibly(user: Reader, action: Callable[[], Any]) -> Any:
    """Run a service call in one transaction; if its result is not visible to its author,
    roll it back (403): a write never leaves a record outside its author's reach."""
    try:
        with transaction.atomic():
            obj = action()
            if not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
                raise _FellOutside
    except _FellOutside:
        raise PermissionDenied(
            _("The record would fall outside your compartments; nothing was saved.")
        ) from None
    return obj


def visible_or_404(user: Reader, queryset: Any, pk: str | int) -> Any:
    """The record ``pk`` of ``queryset`` (or a model) visible to ``user``, or a 404 and a
    logged refusal."""
    if not hasattr(queryset, "visible_to"):
        queryset = queryset.objects.all()
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        audit.record_denied(
            object_type=queryset.model._meta.label_lower,
            object_id=pk,
            reason="not found or outside the user's compartments",
        )
        raise Http404
    return obj


def errors_to_messages(request, errors: dict, labels: dict | None = None) -> None:
    """A refusal as page messages: each field's errors, named by ``labels[field]`` (by the
    field's own name when ``labels`` is None; not at all when the field has no label)."""
    for field, texts in errors.items():
        if field in ("__all__", "non_field_errors"):
            label = ""
        else:
            label = field if labels is None else labels.get(field, "")
        text = " ".join(str(t) for t in texts)
        messages.error(request, f"{label}: {text}" if label else text)


def audit_unavailable_response() -> HttpResponse:
    return HttpResponse(
        "The audit trail cannot be written just now, so this record cannot be shown. "
        "Try again shortly; if it persists, tell the system administrator.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )


class RestrictedViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Login, role permission, compartment restriction and justification for a browser view."""

    # Declared here for the checker: the view classes this mixin goes with define them.
    request: HttpRequest
    kwargs: dict[str, Any]

    model: Any = None
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

    def own_purpose(self) -> str:
        """When no justification is in force: a purpose that stands for one on this request,
        or "" (the default: a justification is asked for). A report's page names
        ``OWN_SUBMISSION`` when its author reads it: what they wrote themselves needs no stated
        reason, and is logged so. A justification the person did state is logged instead."""
        return ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            return self.handle_no_permission()
        from ilp_platform.web.api import nul_parameters

        nul = nul_parameters(request.GET)
        if nul:
            return HttpResponseBadRequest(
                f"A NUL character is not allowed in: {', '.join(nul)}.",
                content_type="text/plain; charset=utf-8",
            )
        purpose = ""
        if self.requires_justification and not justification_in_force():
            purpose = self.own_purpose()
            if not purpose:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('core:justification')}?{query}")
        try:
            if purpose:
                with context.acting(justification=purpose):
                    return super().dispatch(request, *args, **kwargs)
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
    # Set to page by another key (then by id): a date-time or integer field or annotation.
    ordering_key: str | None = None
    ordering_descending = True
    list_action = Action.LIST
    # Set to let the person sort by columns (``?sort=column`` / ``-column``): column -> field
    # (never null), with ``default_sort`` when none is asked for.
    sort_columns: dict[str, str] | None = None
    default_sort = "-id"

    def get_context_data(self, **kwargs):
        queryset = self.get_queryset()
        page: KeysetPage
        sort_context: dict[str, Any] = {}
        if self.sort_columns:
            sort = sorting.parse(self.request.GET.get("sort"), self.sort_columns, self.default_sort)
            page = sorting.page(
                queryset, sort, cursor=self.request.GET.get("cursor"), size=self.page_size
            )
            sort_context = sorting.context(self.request, sort, self.sort_columns)
        elif self.ordering_key:
            page = keyset_page_by(
                queryset,
                cursor=self.request.GET.get("cursor"),
                size=self.page_size,
                key=self.ordering_key,
                descending=self.ordering_descending,
            )
        else:
            page = keyset_page(
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
        context.update(sort_context)
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


# --- Actions on one record --------------------------------------------------------------------


class RecordActionMixin(RestrictedViewMixin):
    """A page acting on one record: the record (visible to the person, or a logged 404), and
    the service call run so that a refusal is shown, never a server error.

    ``record_queryset()`` names the record (default: the model's manager);
    ``recheck_visibility`` runs the call inside :func:`write_visibly`.
    """

    pk_url_kwarg = "pk"
    recheck_visibility = True
    success_message = ""

    def record_queryset(self):
        return self.model.objects.all()

    @property
    def record(self):
        if not hasattr(self, "_record"):
            self._record = visible_or_404(
                self.request.user, self.record_queryset(), self.kwargs[self.pk_url_kwarg]
            )
        return self._record

    def perform(self, call):
        """Run ``call``; its result (or the record) must stay visible to the person."""
        if self.recheck_visibility:
            return write_visibly(self.request.user, lambda: call() or self.record)
        return call()

    def get_success_url(self):
        return self.record.get_absolute_url()


class RecordPostView(RecordActionMixin, View):
    """A POST that runs one service on one record, then returns to the record's page with a
    message: what was done, or why not (the service's reasons, field by field)."""

    http_method_names = ["post"]
    # Refusals name the field they concern ("status: ..."); off where the text says it all.
    name_fields = True

    def run(self, request, record):  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        record = self.record
        try:
            self.perform(lambda: self.run(request, record))
        except (ValidationError, StateConflict) as exc:
            errors_to_messages(request, exc.message_dict, None if self.name_fields else {})
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("Your role does not allow this action."))
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return redirect(self.get_success_url())


class RecordFormView(RecordActionMixin, FormView):
    """A form about one record (evaluate a report, edit a product...): the page shows the
    record, is a consultation, and a refusal lands beside the fields it names."""

    def get(self, request, *args, **kwargs):
        audit.consultation(Action.VIEW, obj=self.record)
        return super().get(request, *args, **kwargs)

    def run(self, form):  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(lambda: self.run(form))
        except (ValidationError, StateConflict) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class CreateFormView(RestrictedViewMixin, FormView):
    """A form that creates one record through a service (``create``): the form is bound to the
    person, a refusal lands beside the fields it names, and the new record (which must stay
    visible to its author) is opened with ``success_message``."""

    success_message: Any = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def create(self, data: dict) -> Any:  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    def form_valid(self, form):
        try:
            record = write_visibly(self.request.user, lambda: self.create(form.cleaned_data))
        except (ValidationError, StateConflict) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message(record))
        return HttpResponseRedirect(record.get_absolute_url())
