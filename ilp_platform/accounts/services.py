"""Authentication actions: unlocking, ending sessions, two-factor enrolment and verification,
recovery codes, re-authentication and API token issuance. Each writes its audit events."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from audit import services as audit
from audit.choices import Action, Outcome
from ilp_platform.accounts import security
from ilp_platform.accounts.choices import (
    RECOVERY_CODE_COUNT,
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    LogoutReason,
)
from ilp_platform.accounts.models import TokenConfirmation, UserSession


def _session_store() -> type[SessionBase]:
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore


# --- Lockout ----------------------------------------------------------------------------------


def record_lockout(*, username: str, ip_address: str | None, failures: int | None) -> None:
    """A username+IP pair reached the failure limit, or tried again while locked."""
    audit.record(
        Action.LOCKOUT,
        object_type="accounts.user",
        object_repr=(username or "")[:150],
        outcome=Outcome.DENIED,
        details={"ip_address": ip_address, "failures": failures, "blocked_attempt": not failures},
    )


def unlock(*, username: str, ip_address: str | None, actor) -> int:
    """Lift the lockout of a username+IP pair (administrators only); returns attempts removed."""
    from axes.utils import reset

    if not actor.has_perm("axes.delete_accessattempt"):
        raise PermissionError("only administrators lift lockouts")
    with transaction.atomic(), audit.service_scope():
        removed = reset(ip=ip_address or None, username=username or None)
        audit.record(
            Action.UNLOCK,
            object_type="accounts.user",
            object_repr=(username or "")[:150],
            actor=actor,
            details={"ip_address": ip_address, "attempts_removed": removed},
        )
    return removed


# --- Sessions and tokens ------------------------------------------------------------------------


def remember_session(user, session_key: str | None) -> None:
    """Index a new session under its user, and forget index rows of long-expired sessions."""
    from django.conf import settings

    if not session_key:
        return
    cutoff = timezone.now() - timezone.timedelta(hours=settings.SESSION_MAX_HOURS)
    UserSession.objects.filter(user=user, created_at__lt=cutoff).delete()
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_access(user, *, reason: str = LogoutReason.ACCOUNT_DISABLED) -> tuple[int, int]:
    """End every browser session of ``user`` and revoke their API tokens, at once.

    Returns (sessions ended, tokens revoked); records one event when anything ended.
    """
    store = _session_store()
    with transaction.atomic(), audit.service_scope():
        keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        UserSession.objects.filter(user=user).delete()
        tokens = Token.objects.filter(user=user).delete()[1].get("authtoken.Token", 0)
        if keys or tokens:
            audit.record(
                Action.LOGOUT,
                obj=user,
                object_repr=user.get_username(),
                details={"reason": reason, "sessions_ended": len(keys), "tokens_revoked": tokens},
            )
    return len(keys), tokens


# --- Two-factor ---------------------------------------------------------------------------------


def _two_factor_event(user, event: str, outcome: str = Outcome.SUCCESS, **details) -> None:
    audit.record(
        Action.TWO_FACTOR,
        obj=user,
        object_repr=user.get_username(),
        actor=user,
        outcome=outcome,
        details={"event": event, **details},
    )


def begin_enrolment(user) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows (created once, then reused)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def confirm_enrolment(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; returns the new recovery codes.

    None when the code is wrong (recorded as a failed verification).
    """
    user = request.user
    with transaction.atomic(), audit.service_scope():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(_normalise(code)):
            _two_factor_event(user, "enrolment_failed", Outcome.FAILURE)
            return None
        # One authenticator per person: a new enrolment replaces the old one.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        _two_factor_event(user, "enrolled", recovery_codes=len(codes))
    _verified(request, device)
    return codes


def _normalise(code: str) -> str:
    return "".join((code or "").split()).lower()


def check_code(user, code: str):
    """The device that accepts ``code`` (six digits: the authenticator; else a recovery code).

    A recovery code is used up. Records failures and recovery-code use; returns None on failure.
    """
    code = _normalise(code)
    if code.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with audit.service_scope():
        for device in devices:
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                if isinstance(verified, StaticDevice):
                    _two_factor_event(
                        user,
                        "recovery_code_used",
                        recovery_codes_left=verified.token_set.count(),
                    )
                return verified
        _two_factor_event(user, "verification_failed", Outcome.FAILURE)
    return None


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session.pop(security.TWO_FACTOR_PENDING, None)
    security.mark_authenticated(request)


def verify_second_factor(request, code: str) -> bool:
    """The code step after the password: on success the session is fully authenticated."""
    device = check_code(request.user, code)
    if device is None:
        return False
    _verified(request, device)
    with audit.service_scope():
        _two_factor_event(request.user, "verified", device=device.name)
    return True


def regenerate_recovery_codes(user) -> list[str]:
    """Replace every recovery code with a new set; the old ones stop working."""
    with transaction.atomic(), audit.service_scope():
        codes = _new_recovery_codes(user)
        _two_factor_event(user, "recovery_codes_regenerated", recovery_codes=len(codes))
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Re-authentication ----------------------------------------------------------------------------


def reauthenticate(request, *, password: str, code: str = "") -> dict[str, str]:
    """Confirm the signed-in person's password (and code when enrolled) again.

    Returns errors by field name, empty on success. Password failures count towards the
    lockout like any failed login.
    """
    user = request.user
    checked = authenticate(request, username=user.get_username(), password=password or "")
    errors: dict[str, str] = {}
    if checked is None or checked.pk != user.pk:
        errors["password"] = _("The password is not correct.")
    elif security.has_totp_device(user):
        if not code:
            errors["code"] = _("Enter the code from your authenticator app or a recovery code.")
        elif check_code(user, code) is None:
            errors["code"] = _("The code is not valid.")
    with audit.service_scope():
        audit.record(
            Action.REAUTHENTICATE,
            obj=user,
            object_repr=user.get_username(),
            actor=user,
            outcome=Outcome.FAILURE if errors else Outcome.SUCCESS,
            details={"failed": sorted(errors)} if errors else {},
        )
    if not errors:
        security.mark_authenticated(request)
    return errors


# --- API tokens ---------------------------------------------------------------------------------


class TokenRefused(Exception):
    """The token endpoint refuses: ``errors`` by field, ``status`` for the response."""

    def __init__(self, errors: dict[str, list[str]], status: int = 400):
        super().__init__(str(errors))
        self.errors = errors
        self.status = status


def issue_api_token(request, *, username: str, password: str, code: str = "") -> Token:
    """Check the credentials (and second factor) and return the caller's API token.

    A token never issued through here (made in the admin or a shell) is replaced, so a token
    is only ever trusted for what this endpoint verified. Records the login.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise TokenRefused({"non_field_errors": [_("Unable to log in with provided credentials.")]})
    two_factor = False
    if security.has_totp_device(user):
        if not code:
            raise TokenRefused(
                {"otp": [_("Enter the code from your authenticator app or a recovery code.")]}
            )
        if check_code(user, code) is None:
            raise TokenRefused({"otp": [_("The code is not valid.")]})
        two_factor = True
    elif security.two_factor_required(user):
        raise TokenRefused(
            {
                "detail": [
                    _(
                        "Your role requires two-factor authentication: enrol in the browser "
                        "first, then request a token with your code."
                    )
                ]
            },
            status=403,
        )
    with transaction.atomic(), audit.service_scope():
        token = Token.objects.filter(user=user).first()
        if token is not None and not TokenConfirmation.objects.filter(token=token).exists():
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        TokenConfirmation.objects.update_or_create(
            token=token, defaults={"confirmed_at": timezone.now(), "two_factor": two_factor}
        )
        audit.record(
            Action.LOGIN,
            obj=user,
            object_repr=user.get_username(),
            actor=user,
            details={"method": "api_token", "two_factor": two_factor},
        )
    return token
