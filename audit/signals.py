"""The safety net: changes made outside services, authentication, and permission changes.

Services run inside ``service_scope()`` and record their own, richer events; a change made
outside them through a model's ``save()`` or ``delete()`` (the admin, the shell, a script, a
queryset's ``delete()``, which sends a signal per row) is caught here. Not caught: a queryset's
``update()`` and ``bulk_create()``/``bulk_update()``, which send no model signals; the platform
uses them only inside services that record their own events (imports, search documents), and
the database's own log is the record for anything done in SQL.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from audit import services
from audit.choices import Action, Outcome
from audit.mixins import AuditedModel
from ilp_platform.core import context

User = get_user_model()
_BEFORE = "_audit_before"
# Fields whose change is routine bookkeeping, not an alteration worth an event.
_USER_ROUTINE_FIELDS = {"last_login", "password"}


def _audited(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, AuditedModel)


def _configuration(sender) -> bool:
    """People, units and compartments: a change outside the admin's own services is recorded
    as a configuration change (the models say so with ``audit_as_configuration``)."""
    return getattr(sender, "audit_as_configuration", False) is True


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or services.in_service() or instance.pk is None:
        return
    if not (_audited(sender) or _configuration(sender)):
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    if previous is not None:
        setattr(
            instance,
            _BEFORE,
            services.snapshot(
                previous,
                getattr(sender, "audit_restricted_fields", ()),
                getattr(sender, "audit_ignored_fields", ()),
            ),
        )


@receiver(post_save)
def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or services.in_service():
        return
    config_model = _configuration(sender)
    if not (_audited(sender) or config_model):
        return
    restricted = getattr(sender, "audit_restricted_fields", ())
    after = services.snapshot(instance, restricted, getattr(sender, "audit_ignored_fields", ()))
    before = getattr(instance, _BEFORE, None)
    if created or before is None:
        changes = None
        action = Action.CONFIGURATION_CHANGE if config_model else Action.CREATE
    else:
        changes = services.diff(before, after, restricted)
        if sender is User:
            changes = {k: v for k, v in changes.items() if k not in _USER_ROUTINE_FIELDS}
        if not changes:
            return
        action = Action.CONFIGURATION_CHANGE if config_model else Action.UPDATE
    if sender is User:
        for secret in ("password",):
            after.pop(secret, None)
    services.record(
        action,
        obj=instance,
        details={
            "outside_service": True,
            "created": created,
            "changes": changes if changes is not None else {},
        },
    )
    if hasattr(instance, _BEFORE):
        delattr(instance, _BEFORE)


@receiver(post_delete)
def _record_delete(sender, instance, **kwargs):
    if services.in_service():
        return
    if not (_audited(sender) or _configuration(sender)):
        return
    services.record(Action.ERASE, obj=instance, details={"outside_service": True, "deleted": True})


# --- Authentication ---------------------------------------------------------------------------


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs):
    with context.acting(user=user):
        services.record(Action.LOGIN, obj=user, object_repr=user.username)


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs):
    if user is not None:
        # An expired session names why it ended (set by the session lifetime middleware).
        reason = getattr(request, "logout_reason", "") if request is not None else ""
        services.record(
            Action.LOGOUT,
            obj=user,
            object_repr=user.username,
            actor=user,
            details={"reason": reason} if reason else None,
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username is recorded; the password never is.
    services.record(
        Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:150],
        outcome=Outcome.FAILURE,
    )


# --- Permission changes -----------------------------------------------------------------------


def _m2m_event(kind: str, instance, action: str, model, pk_set) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action != "post_clear" and not pk_set:
        return  # adding what was already there changes nothing
    names = []
    if pk_set:
        names = [str(o) for o in model._default_manager.filter(pk__in=pk_set)]
    services.record(
        Action.PERMISSION_CHANGE,
        obj=instance,
        details={"change": kind, "operation": action.removeprefix("post_"), "items": names},
    )


@receiver(m2m_changed, sender=User.groups.through)
def _user_groups(sender, instance, action, reverse, model, pk_set, **kwargs):
    _m2m_event("group membership", instance, action, model, pk_set)


@receiver(m2m_changed, sender=User.user_permissions.through)
def _user_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    _m2m_event("user permissions", instance, action, model, pk_set)


@receiver(m2m_changed, sender=Group.permissions.through)
def _group_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    _m2m_event("role permissions", instance, action, model, pk_set)
