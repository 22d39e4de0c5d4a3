from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.admin import GuardedModelAdmin

from ilp_platform.accounts import security, services
from ilp_platform.accounts.models import (
    Compartment,
    CompartmentGroupObjectPermission,
    CompartmentUserObjectPermission,
    EnrolmentCode,
    LoginLockout,
    Unit,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People. Two actions hand out one-time two-factor enrolment codes (shown once, here)."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("unit", "collar_number", "language")}),
        (_("Two-factor authentication"), {"fields": ("two_factor_status",)}),
    )
    readonly_fields = ("two_factor_status",)
    list_display = ("username", "first_name", "last_name", "unit", "is_active", "last_login")
    list_filter = ("is_active", "groups", "unit")
    list_select_related = ("unit",)
    actions = ("issue_enrolment_code", "reset_two_factor")

    @admin.display(description=_("status"))
    def two_factor_status(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "-"
        parts = [
            str(_("Authenticator enrolled"))
            if security.has_totp_device(obj)
            else str(_("No authenticator"))
        ]
        code = services.live_enrolment_code(obj)
        if code is not None:
            parts.append(
                str(_("an enrolment code is waiting to be used (expires %(at)s UTC)"))
                % {"at": f"{code.expires_at:%Y-%m-%d %H:%M}"}
            )
        if security.enrolment_code_required(obj):
            parts.append(str(_("their role enrols only with an enrolment code")))
        return "; ".join(parts)

    def has_issue_enrolment_code_permission(self, request) -> bool:
        return services.can_issue_enrolment_codes(request.user)

    @admin.action(
        description=_("Issue a two-factor enrolment code"),
        permissions=["issue_enrolment_code"],
    )
    def issue_enrolment_code(self, request, queryset):
        return self._hand_out_codes(request, queryset, services.issue_enrolment_code)

    @admin.action(
        description=_("Reset two-factor authentication (lost phone) and issue an enrolment code"),
        permissions=["issue_enrolment_code"],
    )
    def reset_two_factor(self, request, queryset):
        return self._hand_out_codes(request, queryset, services.reset_two_factor, reset=True)

    def _hand_out_codes(self, request, queryset, action, *, reset: bool = False):
        """Run ``action`` for each selected person and show the codes once, on this page only.

        Like compartment grants, this needs a recent password confirmation: a code lets its
        holder register an authenticator for a privileged account.
        """
        if not security.recently_authenticated(request):
            messages.info(request, _("Then select the people and run the action again."))
            return security.redirect_to_reauth(request, request.get_full_path())
        issued, refused = [], []
        for user in queryset.order_by("username"):
            try:
                code, row = action(user, actor=request.user)
            except PermissionError as exc:
                refused.append((user, str(exc)))
            else:
                issued.append((user, code, row))
        for user, reason in refused:
            self.message_user(request, f"{user.username}: {reason}", messages.ERROR)
        if not issued:
            return None
        # The admin marks the page no-store: the codes are on it, and nowhere else.
        return TemplateResponse(
            request,
            "accounts/admin_enrolment_codes.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Two-factor enrolment codes"),
                "issued": issued,
                "reset": reset,
                "hours": settings.TWO_FACTOR_ENROLMENT_CODE_HOURS,
                "attempts": settings.TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS,
                "opts": self.model._meta,
                "refused": refused,
            },
        )


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "time_zone")
    list_filter = ("level",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class CompartmentUserGrantInline(admin.TabularInline):
    model: type[Model] = CompartmentUserObjectPermission  # the group grants' inline reuses this
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

    list_display = ("name", "slug", "unit", "is_active", "created_at")
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


class LockoutStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("current", _("Locked now")), ("ended", _("Cool-off over")))

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.current()
        if self.value() == "ended":
            return queryset.exclude(pk__in=queryset.current().values("pk"))
        return queryset


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Username and address pairs locked after failed logins, with their escalating cool-off.

    A lockout lifts itself when its cool-off runs out; an administrator can lift it sooner with
    the "Unlock" action (or by deleting the row). Both go through ``services.unlock`` and are
    recorded in the audit trail, which also keeps every lockout and every cool-off's end.
    """

    list_display = (
        "username",
        "ip_address",
        "locked_now",
        "locked_until",
        "level",
        "failures",
        "locked_at",
    )
    list_filter = (LockoutStateFilter,)
    search_fields = ("username", "ip_address")
    readonly_fields = (
        "username",
        "ip_address",
        "level",
        "failures",
        "locked_at",
        "locked_until",
        "ended",
    )
    fields = readonly_fields
    actions = ("unlock",)

    @admin.display(boolean=True, description=_("locked now"))
    def locked_now(self, obj) -> bool:
        return not obj.ended and obj.locked_until > timezone.now()

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


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    """Issued enrolment codes, for the record: who had one, from whom, and what became of it.

    Codes are issued from the user list (action "Issue a two-factor enrolment code"); only
    their hashes are stored, so nothing here can show one again.
    """

    list_display = (
        "user",
        "status",
        "issued_by",
        "issued_at",
        "expires_at",
        "closed_at",
        "wrong_entries",
    )
    list_filter = ("status",)
    list_select_related = ("user", "issued_by")
    search_fields = ("user__username",)
    fields = (
        "user",
        "status",
        "issued_by",
        "issued_at",
        "expires_at",
        "closed_at",
        "wrong_entries",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    deleting the row), which goes through ``services.unlock``. "Login lockouts" shows the
    lockouts themselves with their cool-off.
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
