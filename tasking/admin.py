"""Tasking records in the admin: read-mostly views for administrators, restricted to the
compartments they hold and audited like every page (``ilp_platform.web.admin``).

Changes belong in the tasking pages, whose services write the audit trail; the audit safety
net records anything changed here, and a closed meeting's decisions refuse every change.
"""

from django.contrib import admin

from ilp_platform.web.admin import RestrictedModelAdmin
from tasking.models import Decision, Meeting, Priority, Requirement, Tasking


@admin.register(Meeting)
class MeetingAdmin(RestrictedModelAdmin):
    list_display = ["title", "kind", "scheduled_for", "status", "compartment"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    # The stored agenda is left out: it holds what the manager who opened the meeting saw, and
    # the meeting page filters it again for each reader.
    exclude = ["agenda"]
    readonly_fields = ["opened_at", "opened_by", "closed_at", "closed_by"]

    def has_change_permission(self, request, obj=None):
        # Reopening a closed meeting would unlock its minutes.
        if obj is not None and obj.is_closed:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Priority)
class PriorityAdmin(RestrictedModelAdmin):
    list_display = ["title", "subject_kind", "status", "score", "compartment"]
    list_filter = ["status", "subject_kind"]
    search_fields = ["title"]
    readonly_fields = ["score", "score_inputs", "score_breakdown", "matrix", "score_band"]


@admin.register(Requirement)
class RequirementAdmin(RestrictedModelAdmin):
    list_display = ["question", "status", "due_date", "compartment"]
    list_filter = ["status"]
    search_fields = ["question"]


@admin.register(Tasking)
class TaskingAdmin(RestrictedModelAdmin):
    list_display = ["title", "status", "due_date", "owner_user", "owner_unit", "compartment"]
    list_filter = ["status", "strand"]
    search_fields = ["title"]


@admin.register(Decision)
class DecisionAdmin(RestrictedModelAdmin):
    list_display = ["meeting", "subject_kind", "decided_by", "decided_at"]
    list_filter = ["subject_kind"]
    search_fields = ["decision", "rationale"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked():
            return False
        return super().has_delete_permission(request, obj)
