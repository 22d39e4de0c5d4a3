"""Helpers for the authentication tests: authenticator codes, enrolled devices, session stamps."""

from __future__ import annotations

import time

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ilp_platform.accounts.choices import RECOVERY_DEVICE_NAME, TOTP_DEVICE_NAME

RECOVERY_CODES = [f"rc{n:02d}abcd" for n in range(10)]


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for ``device``."""
    device.refresh_from_db()
    # A code is accepted once; let the next check use the current time step again.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator and the known recovery codes."""
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in RECOVERY_CODES)
    return device


def shift_session(client, **seconds_ago: float) -> None:
    """Move session stamps into the past: ``shift_session(client, ilp_last_seen=31 * 60)``."""
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def session_cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value
