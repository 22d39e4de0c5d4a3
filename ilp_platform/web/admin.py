"""Django admin pages over restricted records keep the access rule and the audit trail.

No role bypasses compartments, the superuser included: the admin lists and opens only records
``visible_to`` the person, offers only such records as choices, shows references through the
reference rule, and writes the same consultation events as every other page (a list with the
ids shown, a search with its query, a record opened). A record outside the person's reach is
"not found" (the admin's own message for a missing id) and the refusal is logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin.utils import unquote

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import references
from ilp_platform.core.querysets import RestrictedQuerySet

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader


def _visible(model: Any, user: Reader) -> RestrictedQuerySet:
    return model._default_manager.get_queryset().visible_to(user)


class RestrictedModelAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if references.is_restricted(self.model):
            queryset = cast(RestrictedQuerySet, queryset).visible_to(request.user)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if references.is_restricted(db_field.related_model):
            kwargs["queryset"] = _visible(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if references.is_restricted(db_field.related_model):
            kwargs["queryset"] = _visible(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            query = request.GET.get("q") or None
            shown = list(changelist.result_list)
            audit.consultation(
                Action.SEARCH if query else Action.LIST,
                object_type=self.model._meta.label_lower,
                ids=[obj.pk for obj in shown],
                query=query,
                count=len(shown) if query else None,
                details={"via": "admin"},
            )
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                audit.record_denied(
                    object_type=self.model._meta.label_lower,
                    object_id=unquote(object_id),
                    reason="admin: not found or outside the user's compartments",
                )
            else:
                audit.consultation(Action.VIEW, obj=obj, details={"via": "admin"})
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The admin's own change history names the record: only for records the person sees.
        if self.get_object(request, unquote(object_id)) is None:
            audit.record_denied(
                object_type=self.model._meta.label_lower,
                object_id=unquote(object_id),
                reason="admin history: not found or outside the user's compartments",
            )
            # Django's own answer for a missing record (private ModelAdmin API, not in the stubs).
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        return super().history_view(request, object_id, extra_context)
