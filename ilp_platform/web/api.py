"""Base viewsets and API plumbing: restriction, role permissions, justification, audit."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import context
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.justification import JustificationRequired, justification_in_force
from ilp_platform.core.querysets import RestrictedQuerySet
from ilp_platform.web import purposes

if TYPE_CHECKING:
    _ViewSetBase = viewsets.GenericViewSet
else:
    _ViewSetBase = object  # the mixin goes with a viewset class

logger = logging.getLogger(__name__)


def check_purpose(user) -> None:
    """An ``X-Justification-Purpose`` must name an operation, requirement or tasking the caller
    sees ("operation:12"); otherwise 400, naming the header, and nothing is done."""
    purpose = context.current().purpose
    if purpose and purposes.describe(user, purpose) is None:
        raise exceptions.ValidationError(
            {
                "X-Justification-Purpose": [
                    _(
                        "Name an operation, requirement or tasking you can see, as kind:id "
                        "(for example operation:12)."
                    )
                ]
            }
        )


class AuditUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The audit trail cannot be written just now; nothing was read or changed."
    default_code = "audit_unavailable"


def exception_handler(exc, context):
    """DRF's handler plus: Django validation errors as 400, audit failure as 503, denials logged."""
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, audit.AuditUnavailable):
        exc = AuditUnavailableError()
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and response.status_code == status.HTTP_400_BAD_REQUEST
        and isinstance(response.data, list)
    ):
        # A validation error raised without a field: an object like every other 400.
        response.data = {"non_field_errors": response.data}
    request = context.get("request")
    if (
        response is not None
        and response.status_code in (403, 404)
        and request is not None
        and request.user.is_authenticated
    ):
        view = context.get("view")
        model = getattr(getattr(view, "queryset", None), "model", None)
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        audit.record_denied(
            object_type=model._meta.label_lower if model else "",
            object_id=(getattr(view, "kwargs", None) or {}).get(lookup, ""),
            reason=f"{request.method} {request.path}: {response.status_code}",
        )
    return response


def nul_parameters(params) -> list[str]:
    """Names of query parameters whose name or value holds a NUL (the database refuses it)."""
    return sorted(
        name.replace("\x00", "\\x00")
        for name, values in params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    )


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def nul_fields(data) -> list[str]:
    """Top-level fields of a request body holding a NUL anywhere (lookups would hit the
    database with it, which PostgreSQL refuses); uploaded files are not inspected."""
    if hasattr(data, "lists"):
        items = data.lists()
    elif isinstance(data, dict):
        items = data.items()
    else:
        return []
    return sorted(
        str(name).replace("\x00", "\\x00")
        for name, value in items
        if _holds_nul(name) or _holds_nul(value)
    )


class Conflict(exceptions.APIException):
    """The record's state forbids the change; the body says why (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def requires(*perms: str):
    """A permission class for an action that needs specific model permissions."""

    class _Requires(permissions.BasePermission):
        message = "Your role does not allow this action."

        def has_permission(self, request, view):
            return bool(request.user and request.user.has_perms(perms))

    _Requires.__name__ = "Requires_" + "_".join(p.replace(".", "_") for p in perms)
    return _Requires


class RolePermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included (roles are groups of permissions)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def _queryset(self, view):
        # Only the model is needed here: the view's own ``get_queryset`` would build the
        # ``visible_to`` restriction (a few subqueries) just to be thrown away.
        if getattr(view, "queryset", None) is not None:
            return view.queryset
        return super()._queryset(view)


class RestrictedViewSetMixin(_ViewSetBase):
    """Applies ``visible_to``, the justification rule and consultation logging to a viewset.

    Subclasses set ``queryset`` (for the model), ``serializer_class`` and optionally
    ``requires_justification = False`` for records that hold no intelligence content,
    ``justification_for_writes = True`` when a write consults data too (an analysis job), and
    ``writes_may_conflict = True`` when the record's state can refuse a change (409). The
    OpenAPI schema documents the error responses from these (``ilp_platform.web.schema``).
    ``json_only_actions`` names the actions whose body holds a list of objects: a form cannot
    carry one, and a form without it would read as "leave it as it is", so those actions take
    JSON only (415 otherwise; the schema offers JSON only).
    """

    queryset: QuerySet[Any]  # every subclass sets one
    permission_classes = [permissions.IsAuthenticated, RolePermissions]
    requires_justification = True
    justification_for_writes = False
    writes_may_conflict = False
    json_only_actions: tuple[str, ...] = ()

    def get_parsers(self):
        # DRF picks the parsers before it sets ``self.action``: find the action from the method
        # (the schema generator sets ``action`` itself and has no request).
        action = getattr(self, "action", None)
        request = getattr(self, "request", None)
        if action is None and request is not None:
            action = getattr(self, "action_map", {}).get(request.method.lower())
        if action in self.json_only_actions:
            return [JSONParser()]
        return super().get_parsers()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        nul = nul_parameters(request.query_params)
        # The body of a method this route does not serve stays unread: a 405, not a complaint
        # about the body's media type (nor a missing justification).
        served = hasattr(self, request.method.lower())
        if request.method not in permissions.SAFE_METHODS and served:
            nul += nul_fields(request.data)
        if nul:
            raise exceptions.ValidationError(
                {name: ["A NUL character is not allowed here."] for name in nul}
            )
        check_purpose(request.user)
        if (
            self.requires_justification
            and request.method != "OPTIONS"
            and (request.method in permissions.SAFE_METHODS or self.justification_for_writes)
            and served
            and not justification_in_force()
        ):
            raise JustificationRequired()

    def get_queryset(self):
        return cast(RestrictedQuerySet, super().get_queryset()).visible_to(self.request.user)

    def audit_object_type(self) -> str:
        return self.queryset.model._meta.label_lower

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        query = request.query_params.get("q") or None
        audit.consultation(
            Action.SEARCH if query else Action.LIST,
            object_type=self.audit_object_type(),
            ids=[obj.pk for obj in items],
            query=query,
            count=len(items) if query else None,
            details={"filters": {k: v for k, v in request.query_params.items() if k != "cursor"}},
        )
        serializer = self.get_serializer(items, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        audit.consultation(Action.VIEW, obj=instance)
        return Response(self.get_serializer(instance).data)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise exceptions.NotFound(_("Not found.")) from None

    def write(self, call):
        """Run a service call in one transaction; the record it returns must still be visible
        to its author (or everything rolls back); a state that forbids the change is a 409."""
        try:
            with transaction.atomic():
                obj = call()
                self.ensure_still_visible(obj)
        except StateConflict as exc:
            raise Conflict(exc.message_dict) from None
        return obj

    def parse(self, serializer_class, partial=False) -> dict:
        """The request body through ``serializer_class``: validated data, or a 400."""
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def ensure_still_visible(self, instance) -> None:
        """After a write: the saved record must still be visible to its author, or roll back."""
        model = type(instance)
        if not model.objects.visible_to(self.request.user).filter(pk=instance.pk).exists():
            transaction.set_rollback(True)
            raise exceptions.PermissionDenied(
                _("The record would fall outside your compartments; nothing was saved.")
            )


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
