"""Login bookkeeping, lockout events, and ending access when an account is disabled."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts import security, services
from ilp_platform.accounts.models import (
    CompartmentGroupObjectPermission,
    CompartmentUserObjectPermission,
    User,
)
from ilp_platform.web.middleware import client_ip


@receiver(user_logged_in, dispatch_uid="accounts.session_started")
def _session_started(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    # login() has already rotated the session id; stamp the new session.
    security.stamp_login(session)
    step = security.pending_step(user)
    if step:
        session[security.TWO_FACTOR_PENDING] = step
    else:
        session.pop(security.TWO_FACTOR_PENDING, None)
    services.remember_session(user, session.session_key)
    # A correct password from this address: the pair's lockout history no longer counts.
    services.forget_lockouts(username=user.get_username(), ip_address=client_ip(request))


@receiver(user_logged_out, dispatch_uid="accounts.session_ended")
def _session_ended(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        services.forget_session(session.session_key)


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    # axes sends this when a failure reaches the limit (with the count), and again for every
    # attempt refused while the pair is locked (without).
    failures = getattr(request, "axes_failures_since_start", None)
    if failures:
        services.start_lockout(username=username, ip_address=ip_address, failures=failures)
    else:
        services.record_blocked_attempt(username=username, ip_address=ip_address)


@receiver(post_save, sender=User, dispatch_uid="accounts.disabled_ends_access")
def _account_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and not instance.is_active:
        services.end_access(instance)


# --- Compartment grants -----------------------------------------------------------------------


def _grant_event(instance, granted: bool) -> None:
    holder = getattr(instance, "user", None) or getattr(instance, "group", None)
    audit.record(
        Action.PERMISSION_CHANGE,
        obj=instance.content_object,
        compartment=instance.content_object.slug,
        details={
            "grant": "added" if granted else "removed",
            "permission": instance.permission.codename,
            "holder_type": "user" if hasattr(instance, "user") else "group",
            "holder": str(holder),
        },
    )


@receiver(post_save, sender=CompartmentUserObjectPermission, dispatch_uid="accounts.grant_saved")
@receiver(post_save, sender=CompartmentGroupObjectPermission, dispatch_uid="accounts.ggrant_saved")
def _grant_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _grant_event(instance, True)


@receiver(post_delete, sender=CompartmentUserObjectPermission, dispatch_uid="accounts.grant_gone")
@receiver(post_delete, sender=CompartmentGroupObjectPermission, dispatch_uid="accounts.ggrant_gone")
def _grant_deleted(sender, instance, **kwargs):
    _grant_event(instance, False)
