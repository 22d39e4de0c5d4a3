"""Reference lists an administrator keeps: crime types and retention classes; and the
officers' suggested mentions, to read.

All are audited models: the audit safety net records every change made here.
"""

from django.contrib import admin

from ilp_platform.web.admin import RestrictedModelAdmin
from intelligence.models import CrimeType, MentionSuggestion, RetentionClass


@admin.register(CrimeType)
class CrimeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(RetentionClass)
class RetentionClassAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "review_period_months", "is_default", "order"]
    list_editable = ["review_period_months", "is_default", "order"]
    ordering = ["order", "code"]


@admin.register(MentionSuggestion)
class MentionSuggestionAdmin(RestrictedModelAdmin):
    """Read only, restricted to the compartments the administrator holds and audited like every
    page (``ilp_platform.web.admin``). A suggestion is linked or dismissed on its report's page
    (or the API), whose services write the audit trail and link the entity. The linked entity
    is left out: it may sit in a compartment the reader does not hold (the reference rule)."""

    list_display = ["id", "report", "kind", "name", "status", "created_at", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name"]
    list_select_related = ["report"]
    readonly_fields = [
        "report",
        "kind",
        "name",
        "details",
        "status",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
