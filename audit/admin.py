from typing import ClassVar

from django.contrib import admin

from audit.models import Anomaly, AuditEvent, IntegrityCheck


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log cannot be edited, here or anywhere."""

    # Tuples of any length: the integrity checks' admin below shows other columns.
    list_display: tuple[str, ...] = (
        "id",
        "occurred_at",
        "actor_username",
        "action",
        "object_type",
        "object_id",
    )
    list_filter: ClassVar[tuple[str, ...]] = ("action", "outcome")
    search_fields: ClassVar[tuple[str, ...]] = ("actor_username", "object_id", "request_id")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IntegrityCheck)
class IntegrityCheckAdmin(AuditEventAdmin):
    list_display = ("started_at", "finished_at", "events_checked", "ok", "first_bad_event_id")
    list_filter = ("ok",)
    search_fields = ()


admin.site.register(Anomaly)
