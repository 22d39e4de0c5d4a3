"""Authentication actions: lockouts and their cool-off, ending sessions, two-factor enrolment
(with administrators' enrolment codes) and verification, recovery codes, re-authentication and
API token issuance; a person's own language. Each writes its audit events."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from audit import services as audit
from audit.actions import action
from audit.choices import Action, Outcome
from ilp_platform.accounts import security
from ilp_platform.accounts.choices import (
    ENROLMENT_CODE_ALPHABET,
    ENROLMENT_CODE_LENGTH,
    RECOVERY_CODE_COUNT,
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    EnrolmentCodeStatus,
    LockoutEnd,
    LogoutReason,
)
from ilp_platform.accounts.models import (
    EnrolmentCode,
    LoginLockout,
    TokenConfirmation,
    User,
    UserSession,
)

logger = logging.getLogger(__name__)


def _session_store() -> type[SessionBase]:
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore


# --- Lockout ----------------------------------------------------------------------------------
# django-axes counts failed logins per username + address pair; ``ilp_platform.accounts.lockout``
# explains the escalating cool-off these functions keep.


def can_unlock(user: User | AnonymousUser) -> bool:
    return user.has_perm("accounts.delete_loginlockout") or user.has_perm(
        "axes.delete_accessattempt"
    )


def _reset_counters(username: str, ip_address: str) -> int:
    """Forget the pair's failed logins (axes' counters), and only that pair's."""
    from axes.models import AccessAttempt

    return (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address or None)
        .delete()[1]
        .get("axes.AccessAttempt", 0)
    )


def _end(lock: LoginLockout) -> int:
    removed = _reset_counters(lock.username, lock.ip_address)
    lock.ended = True
    lock.save(update_fields=["ended"])
    audit.record(
        Action.UNLOCK,
        object_type="accounts.user",
        object_repr=lock.username[:150],
        details={
            "ip_address": lock.ip_address or None,
            "reason": LockoutEnd.COOL_OFF_EXPIRED,
            "level": lock.level,
            "locked_until": lock.locked_until,
            "attempts_removed": removed,
        },
    )
    return removed


def end_lockout(lock_id: int) -> bool:
    """Record that a lockout's cool-off has run out and give the pair a fresh count.

    Returns False when there was nothing to end (still running, or already ended elsewhere).
    """
    now = timezone.now()
    with transaction.atomic(), audit.service_scope():
        lock = LoginLockout.objects.select_for_update().filter(pk=lock_id).first()
        if lock is None or lock.ended or lock.locked_until > now:
            return False
        _end(lock)
    return True


def end_due_lockouts(limit: int = 500) -> int:
    """End every lockout whose cool-off has run out (the scheduled sweep); returns how many.

    Also forgets pairs whose last lockout is older than LOCKOUT_RESET_HOURS: they would start
    again at the first step anyway.
    """
    from django.conf import settings

    ids = list(LoginLockout.objects.due_to_end().values_list("pk", flat=True)[:limit])
    ended = sum(end_lockout(pk) for pk in ids)
    forgotten = timezone.now() - timedelta(hours=settings.LOCKOUT_RESET_HOURS)
    LoginLockout.objects.filter(ended=True, locked_until__lt=forgotten).delete()
    return ended


def lockout_in_force(
    *, username: str | None, ip_address: str | None, failures: int | None = None
) -> LoginLockout | None:
    """The pair has reached the failure limit: its running lockout, or None once it has ended.

    A lockout whose cool-off has run out is ended here (recorded, counters reset) so the attempt
    in hand counts as the first of a fresh run. Counters at the limit with no lockout (left from
    before cool-offs existed) start one now.
    """
    from ilp_platform.accounts import lockout

    key = lockout.pair(username, ip_address)
    lock = LoginLockout.objects.filter(**key).first()
    if lock is not None and not lock.ended:
        if lock.locked_until > timezone.now():
            return lock
        end_lockout(lock.pk)
        return None
    lock, _started = start_lockout(username=username, ip_address=ip_address, failures=failures)
    return lock


def _lock_row(key: dict[str, str]) -> LoginLockout | None:
    return LoginLockout.objects.select_for_update().filter(**key).first()


def start_lockout(
    *, username: str | None, ip_address: str | None, failures: int | None
) -> tuple[LoginLockout, bool]:
    """The pair has just reached the failure limit: lock it for the next step of its ladder.

    Returns (lockout, started); a lockout already running is returned as it is (two failures
    at once do not escalate twice). Records the lockout and tells administrators.
    """
    from django.conf import settings

    from ilp_platform.accounts import lockout

    key = lockout.pair(username, ip_address)
    now = timezone.now()
    with transaction.atomic(), audit.service_scope():
        lock = _lock_row(key)
        if lock is None:
            try:
                with transaction.atomic():
                    lock = LoginLockout.objects.create(
                        **key, level=0, locked_at=now, locked_until=now, ended=True
                    )
            except IntegrityError:  # created at the same moment by a concurrent failure
                pass
            lock = _lock_row(key)
            assert lock is not None  # created just now, or by the concurrent failure
        if not lock.ended and lock.locked_until > now:
            return lock, False
        if not lock.ended:
            _end(lock)
        recent = lock.level and lock.locked_until >= now - timedelta(
            hours=settings.LOCKOUT_RESET_HOURS
        )
        lock.level = lock.level + 1 if recent else 1
        lock.failures = failures or 0
        lock.locked_at = now
        lock.locked_until = now + lockout.cool_off(lock.level)
        lock.ended = False
        lock.save()
        record_lockout(
            username=key["username"], ip_address=ip_address, failures=failures, lock=lock
        )
        transaction.on_commit(_notify_administrators)
    return lock, True


def _notify_administrators() -> None:
    from django.conf import settings

    if settings.EMAIL_HOST:
        from ilp_platform.accounts.notices import mail_lockout_notice

        try:
            mail_lockout_notice.delay()
        except Exception:  # a broker outage must not turn the lockout answer into an error
            logger.exception("the lockout e-mail to administrators could not be queued")


def record_lockout(
    *,
    username: str,
    ip_address: str | None,
    failures: int | None,
    lock: LoginLockout | None = None,
) -> None:
    """A pair reached the failure limit (``failures`` given), or tried again while locked."""
    details: dict[str, Any] = {
        "ip_address": ip_address,
        "failures": failures,
        "blocked_attempt": not failures,
    }
    if lock is not None:
        details.update(level=lock.level, locked_until=lock.locked_until)
        if failures:
            details["cool_off_minutes"] = int(
                (lock.locked_until - lock.locked_at).total_seconds() // 60
            )
    audit.record(
        Action.LOCKOUT,
        object_type="accounts.user",
        object_repr=(username or "")[:150],
        outcome=Outcome.DENIED,
        details=details,
    )


def record_blocked_attempt(*, username: str | None, ip_address: str | None) -> None:
    """Someone tried the pair again while it was locked: refused, recorded."""
    from ilp_platform.accounts import lockout

    with audit.service_scope():
        record_lockout(
            username=username or "",
            ip_address=ip_address,
            failures=None,
            lock=lockout.current_lockout(username, ip_address),
        )


def forget_lockouts(*, username: str, ip_address: str | None) -> None:
    """A successful login from the pair: its lockout history no longer counts."""
    from ilp_platform.accounts import lockout

    LoginLockout.objects.filter(**lockout.pair(username, ip_address)).delete()


@action()
def unlock(*, username: str, ip_address: str | None, actor: User) -> int:
    """Lift the lockout of a username+IP pair (administrators only); returns attempts removed.

    The pair's failure count and its escalation start again from nothing.
    """
    from ilp_platform.accounts import lockout

    if not can_unlock(actor):
        raise PermissionError(_("Only administrators lift lockouts."))
    key = lockout.pair(username, ip_address)
    running = LoginLockout.objects.current().filter(**key).first()
    removed = _reset_counters(key["username"], key["ip_address"])
    LoginLockout.objects.filter(**key).delete()
    details: dict[str, Any] = {
        "ip_address": ip_address or None,
        "attempts_removed": removed,
        "reason": LockoutEnd.ADMINISTRATOR,
    }
    if running is not None:
        details.update(level=running.level, locked_until=running.locked_until)
    audit.record(
        Action.UNLOCK,
        object_type="accounts.user",
        object_repr=(username or "")[:150],
        actor=actor,
        details=details,
    )
    return removed


# --- Sessions and tokens ------------------------------------------------------------------------


def remember_session(user: User, session_key: str | None) -> None:
    """Index a new session under its user, and forget index rows of long-expired sessions."""
    from django.conf import settings

    if not session_key:
        return
    cutoff = timezone.now() - timedelta(hours=settings.SESSION_MAX_HOURS)
    UserSession.objects.filter(user=user, created_at__lt=cutoff).delete()
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_access(user: User, *, reason: str = LogoutReason.ACCOUNT_DISABLED) -> tuple[int, int]:
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


# --- Language ---------------------------------------------------------------------------------


def set_language(user: User, language: str) -> bool:
    """Remember ``language`` (a code of ``settings.LANGUAGES``; blank: the platform's default)
    as the one ``user`` reads the platform in, in any browser, and receives e-mails in: a
    change of the person's own settings, audited as one. Returns whether anything changed; a
    code the platform does not offer is refused, naming the field, and nothing is saved."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(
            {
                "language": _("“%(value)s” is not one of the platform's languages.")
                % {"value": language[:20]}
            }
        )
    before = user.language
    if before == language:
        return False
    with transaction.atomic(), audit.service_scope():
        user.language = language
        user.save(update_fields=["language"])
        audit.record(
            Action.CONFIGURATION_CHANGE,
            obj=user,
            object_repr=user.get_username(),
            actor=user,
            details={"own_settings": True, "changes": {"language": [before, language]}},
        )
    return True


# --- Two-factor ---------------------------------------------------------------------------------


def _two_factor_event(
    user: User, event: str, outcome: str = Outcome.SUCCESS, **details: Any
) -> None:
    audit.record(
        Action.TWO_FACTOR,
        obj=user,
        object_repr=user.get_username(),
        actor=user,
        outcome=outcome,
        details={"event": event, **details},
    )


def begin_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows (created once, then reused)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


class EnrolmentRefused(Exception):
    """Enrolment did not go through: ``field`` names the form field, ``message`` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def confirm_enrolment(
    request, device: TOTPDevice, code: str, enrolment_code: str = ""
) -> list[str]:
    """Confirm the authenticator with a first code; returns the new recovery codes.

    When the person's role requires two-factor authentication (and it is enforced), an
    enrolment code an administrator issued must come with it: without one, whoever holds the
    password alone cannot register their own device. The enrolment code is checked first and
    used up only when the authenticator's code is right too. Raises :class:`EnrolmentRefused`.
    """
    user = request.user
    grant = None
    if security.enrolment_code_required(user):
        grant = check_enrolment_code(user, enrolment_code)  # records a refusal, then raises
    refused = None
    with transaction.atomic(), audit.service_scope():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if grant is not None:
            grant = (
                EnrolmentCode.objects.select_for_update(of=("self",))
                .select_related("user", "issued_by")
                .filter(pk=grant.pk, status=EnrolmentCodeStatus.ISSUED)
                .first()
            )
            if grant is None:  # used or withdrawn a moment ago, by another request
                refused = EnrolmentRefused(
                    "enrolment_code", _("The enrolment code is no longer valid.")
                )
        if refused is None and not device.verify_token(_normalise(code)):
            # The failure is recorded (and the device's throttle kept): no exception inside.
            _two_factor_event(user, "enrolment_failed", Outcome.FAILURE)
            refused = EnrolmentRefused(
                "code", _("The code is not valid. Check the time on your phone.")
            )
        if refused is None:
            if grant is not None:
                _use_enrolment_code(grant)
            # One authenticator per person: a new enrolment replaces the old one.
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            _two_factor_event(
                user,
                "enrolled",
                recovery_codes=len(codes),
                enrolment_code=grant.pk if grant is not None else None,
            )
    if refused is not None:
        raise refused
    _verified(request, device)
    return codes


# --- Enrolment codes ----------------------------------------------------------------------------


def format_enrolment_code(code: str) -> str:
    """``ABCDEFGHJKMN`` -> ``ABCD-EFGH-JKMN``: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _clean_enrolment_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def can_issue_enrolment_codes(user: User | AnonymousUser) -> bool:
    return user.has_perm("accounts.issue_enrolmentcode")


def _code_event(
    user: User,
    event: str,
    *,
    actor: User | None = None,
    outcome: str = Outcome.SUCCESS,
    **details: Any,
) -> None:
    audit.record(
        Action.TWO_FACTOR,
        obj=user,
        object_repr=user.get_username(),
        actor=actor,
        outcome=outcome,
        details={"event": event, **details},
    )


@action()
def issue_enrolment_code(user: User, *, actor: User | None) -> tuple[str, EnrolmentCode]:
    """A new one-time enrolment code for ``user``: returns it (formatted) with its row.

    The code is returned once and stored only as a hash. Issuing replaces any earlier code of
    the person that is still unused. ``actor`` is the administrator; None means an operator at
    the server (``manage.py issue_enrolment_code``), the way in for the very first
    administrator. An administrator cannot issue a code for their own account.
    """
    import secrets

    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    if actor is not None:
        if not can_issue_enrolment_codes(actor):
            raise PermissionError(_("Only administrators issue enrolment codes."))
        if actor.pk == user.pk:
            raise PermissionError(
                _("An administrator cannot issue an enrolment code for their own account.")
            )
    if not user.is_active:
        raise PermissionError(_("The account is disabled."))
    code = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _i in range(ENROLMENT_CODE_LENGTH))
    now = timezone.now()
    replaced = EnrolmentCode.objects.filter(user=user, status=EnrolmentCodeStatus.ISSUED).update(
        status=EnrolmentCodeStatus.REPLACED, closed_at=now
    )
    row = EnrolmentCode.objects.create(
        user=user,
        code_hash=make_password(code),
        issued_by=actor,
        issued_at=now,
        expires_at=now + timedelta(hours=settings.TWO_FACTOR_ENROLMENT_CODE_HOURS),
    )
    _code_event(
        user,
        "enrolment_code_issued",
        actor=actor,
        enrolment_code=row.pk,
        expires_at=row.expires_at,
        replaced=replaced,
    )
    return format_enrolment_code(code), row


@action()
def reset_two_factor(user: User, *, actor: User | None) -> tuple[str, EnrolmentCode]:
    """A lost or replaced phone: remove the person's authenticator and recovery codes and issue
    an enrolment code, with which they enrol again at their next login."""
    if actor is not None and not can_issue_enrolment_codes(actor):
        raise PermissionError(_("Only administrators reset two-factor authentication."))
    if actor is not None and actor.pk == user.pk:
        raise PermissionError(
            _("An administrator cannot reset two-factor authentication for their own account.")
        )
    authenticators = TOTPDevice.objects.filter(user=user).delete()[0]
    recovery = StaticDevice.objects.filter(user=user).delete()[0]
    _code_event(
        user,
        "reset",
        actor=actor,
        devices_removed=authenticators,
        recovery_records_removed=recovery,
    )
    return issue_enrolment_code(user, actor=actor)


def _close_code(row: EnrolmentCode, status: str, now: datetime) -> None:
    row.status = status
    row.closed_at = now
    row.save(update_fields=["status", "closed_at", "wrong_entries"])


def _expire_code(row: EnrolmentCode, now: datetime) -> None:
    _close_code(row, EnrolmentCodeStatus.EXPIRED, now)
    _code_event(
        row.user,
        "enrolment_code_expired",
        actor=row.user,
        outcome=Outcome.FAILURE,
        enrolment_code=row.pk,
        expires_at=row.expires_at,
    )


def expire_due_enrolment_codes(limit: int = 500) -> int:
    """Record the expiry of every code whose time has run out (the scheduled sweep)."""
    now = timezone.now()
    done = 0
    ids = list(EnrolmentCode.objects.due_to_expire(now).values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic(), audit.service_scope():
            row = (
                EnrolmentCode.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(pk=pk, status=EnrolmentCodeStatus.ISSUED)
                .first()
            )
            if row is not None:
                _expire_code(row, now)
                done += 1
    return done


def check_enrolment_code(user: User, code: str) -> EnrolmentCode:
    """The person's live enrolment code, when ``code`` is it; raises :class:`EnrolmentRefused`.

    Every refusal is recorded. A wrong entry counts against the code: after
    TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS of them it is withdrawn and an administrator must issue
    a new one. An expired code is recorded as expired when it is tried. The code is not used up
    here (see :func:`_use_enrolment_code`).
    """
    from django.conf import settings
    from django.contrib.auth.hashers import check_password

    cleaned = _clean_enrolment_code(code)
    now = timezone.now()
    ask = _("Ask an administrator for a new enrolment code.")
    with transaction.atomic(), audit.service_scope():
        row = (
            EnrolmentCode.objects.select_for_update()
            .filter(user=user, status=EnrolmentCodeStatus.ISSUED)
            .order_by("-issued_at")
            .first()
        )
        if row is not None and row.expires_at <= now:
            _expire_code(row, now)
            _code_event(
                user,
                "enrolment_code_refused",
                actor=user,
                outcome=Outcome.DENIED,
                reason="expired",
                enrolment_code=row.pk,
            )
            refusal = EnrolmentRefused(
                "enrolment_code", _("Your enrolment code has expired.") + " " + ask
            )
        elif row is None or not cleaned or not check_password(cleaned, row.code_hash):
            details: dict[str, Any] = {"reason": "no_code" if row is None else "wrong_code"}
            message = _(
                "The enrolment code is not valid. Check it, or ask an administrator for one."
            )
            if row is not None:
                row.wrong_entries += 1
                details.update(enrolment_code=row.pk, wrong_entries=row.wrong_entries)
                if row.wrong_entries >= settings.TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS:
                    _close_code(row, EnrolmentCodeStatus.EXHAUSTED, now)
                    details["withdrawn"] = True
                    message = (
                        _("Too many wrong enrolment codes: the code has been withdrawn.")
                        + " "
                        + ask
                    )
                else:
                    row.save(update_fields=["wrong_entries"])
            _code_event(
                user, "enrolment_code_refused", actor=user, outcome=Outcome.DENIED, **details
            )
            refusal = EnrolmentRefused("enrolment_code", message)
        else:
            return row
    raise refusal


def _use_enrolment_code(row: EnrolmentCode) -> None:
    now = timezone.now()
    _close_code(row, EnrolmentCodeStatus.USED, now)
    _code_event(
        row.user,
        "enrolment_code_used",
        actor=row.user,
        enrolment_code=row.pk,
        issued_by=row.issued_by.get_username() if row.issued_by is not None else None,
        issued_at=row.issued_at,
    )


def live_enrolment_code(user: User) -> EnrolmentCode | None:
    return EnrolmentCode.objects.live().filter(user=user).order_by("-issued_at").first()


def _normalise(code: str) -> str:
    return "".join((code or "").split()).lower()


def check_code(user: User, code: str) -> TOTPDevice | StaticDevice | None:
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


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code with a new set; the old ones stop working."""
    with transaction.atomic(), audit.service_scope():
        codes = _new_recovery_codes(user)
        _two_factor_event(user, "recovery_codes_regenerated", recovery_codes=len(codes))
    return codes


def recovery_codes_left(user: User) -> int:
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
