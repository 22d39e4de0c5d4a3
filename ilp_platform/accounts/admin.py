from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.admin import GuardedModelAdmin

from ilp_platform.accounts import security, services
from ilp_platform.accounts.models import (
    Compartment,
    CompartmentGroupObjectPermission,
    CompartmentUserObjectPermission,
    Unit,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("unit", "collar_number")}),
    )
    list_display = ("username", "first_name", "last_name", "unit", "is_active", "last_login")
    list_filter = ("is_active", "groups", "unit")
    list_select_related = ("unit",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class CompartmentUserGrantInline(admin.TabularInline):
    model = CompartmentUserObjectPermission
    extra = 0
    autocomplete_fields = ("user",)
    verbose_name = _("grant to a user")
    verbose_name_plural = _("grants to users")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            from django.contrib.auth.models import Permission

            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label="accounts", codename__endswith="_compartment"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CompartmentGroupGrantInline(CompartmentUserGrantInline):
    model = CompartmentGroupObjectPermission
    autocomplete_fields = ("group",)
    verbose_name = _("grant to a group")
    verbose_name_plural = _("grants to groups")


@admin.register(Compartment)
class CompartmentAdmin(GuardedModelAdmin):
    """Compartments and their grants. Granting access needs a recent password confirmation."""

    list_display = ("name", "slug", "is_active", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CompartmentGroupGrantInline, CompartmentUserGrantInline)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if not security.recently_authenticated(request):
            return security.redirect_to_reauth(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def obj_perms_manage_view(self, request, object_pk):
        if not security.recently_authenticated(request):
            return security.redirect_to_reauth(request)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        if not security.recently_authenticated(request):
            return security.redirect_to_reauth(request)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        if not security.recently_authenticated(request):
            return security.redirect_to_reauth(request)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        limit = settings.AXES_FAILURE_LIMIT
        if self.value() == "yes":
            return queryset.filter(failures_since_start__gte=limit)
        if self.value() == "no":
            return queryset.filter(failures_since_start__lt=limit)
        return queryset


@admin.register(AccessAttempt)
class LockoutAdmin(admin.ModelAdmin):
    """Failed-login counters per username and address; unlocking is recorded in the audit trail.

    Rows are never edited: an administrator lifts a lockout with the "Unlock" action (or by
    deleting the row), which goes through ``services.unlock``.
    """

    list_display = ("username", "ip_address", "failures_since_start", "locked", "attempt_time")
    list_filter = (LockedOutFilter,)
    search_fields = ("username", "ip_address")
    readonly_fields = ("username", "ip_address", "failures_since_start", "attempt_time")
    fields = readonly_fields
    actions = ("unlock",)

    @admin.display(boolean=True, description=_("locked"))
    def locked(self, obj) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Unlock the selected username and address pairs"))
    def unlock(self, request, queryset):
        self.delete_queryset(request, queryset)

    def delete_model(self, request, obj):
        services.unlock(username=obj.username, ip_address=obj.ip_address, actor=request.user)
        self.message_user(
            request, _("%(u)s unlocked from %(ip)s.") % {"u": obj.username, "ip": obj.ip_address}
        )

    def delete_queryset(self, request, queryset):
        pairs = list(queryset.values_list("username", "ip_address").distinct())
        for username, ip_address in pairs:
            services.unlock(username=username, ip_address=ip_address, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d lockout lifted.", "%(n)d lockouts lifted.", len(pairs))
            % {"n": len(pairs)},
            messages.SUCCESS,
        )
