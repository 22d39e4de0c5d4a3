from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

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
    list_display = ("name", "slug", "is_active", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CompartmentGroupGrantInline, CompartmentUserGrantInline)
