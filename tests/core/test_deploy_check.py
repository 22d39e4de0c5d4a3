"""Production settings: the deploy check passes, and the security settings are what we claim."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "ILP_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "ilp.example.org",
    "DATABASE_URL": "postgres://ilp@127.0.0.1:5432/ilp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}

_PRINT_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "TWO_FACTOR_ENFORCED": s.TWO_FACTOR_ENFORCED,
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "SESSION_IDLE_MINUTES": s.SESSION_IDLE_MINUTES,
    "SESSION_MAX_HOURS": s.SESSION_MAX_HOURS,
    "REAUTH_MINUTES": s.REAUTH_MINUTES,
    "IMG_SRC": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
    "RENDERERS": s.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
}))
"""


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PRODUCTION_ENV)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_turns_on_every_protection_by_default():
    result = _manage("shell", "-c", _PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "TWO_FACTOR_ENFORCED": True,
        "AXES_FAILURE_LIMIT": 5,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 12,
        "REAUTH_MINUTES": 5,
        "IMG_SRC": ["'self'", "data:"],
        # The browsable API renders every choice a form offers: JSON only in production.
        "RENDERERS": ["rest_framework.renderers.JSONRenderer"],
    }


def test_the_security_settings_are_read_from_the_environment():
    result = _manage(
        "shell",
        "-c",
        _PRINT_SETTINGS,
        AXES_FAILURE_LIMIT="3",
        SESSION_IDLE_MINUTES="15",
        SESSION_MAX_HOURS="8",
        REAUTH_MINUTES="2",
        TWO_FACTOR_ENFORCED="false",
        MAP_TILE_URL="https://tiles.force.local/{z}/{x}/{y}.png",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["AXES_FAILURE_LIMIT"] == 3
    assert values["SESSION_IDLE_MINUTES"] == 15
    assert values["SESSION_MAX_HOURS"] == 8
    assert values["REAUTH_MINUTES"] == 2
    assert values["TWO_FACTOR_ENFORCED"] is False
    assert values["IMG_SRC"] == ["'self'", "data:", "https://tiles.force.local"]


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("TWO_FACTOR_ENFORCED", "false", "accounts.W001"),
        ("TWO_FACTOR_ROLES", "boss", "accounts.W002"),
    ],
)
def test_the_deploy_check_warns_when_two_factor_is_weakened(name, value, check_id):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **{name: value})
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AXES_FAILURE_LIMIT", "0"),
        ("SESSION_MAX_HOURS", "twelve"),
        ("REAUTH_MINUTES", "-1"),
        ("TWO_FACTOR_ENFORCED", "perhaps"),
        ("MAP_TILE_URL", "tiles.local/{z}/{x}/{y}.png"),
    ],
)
def test_a_bad_security_setting_stops_start_up_naming_it(name, value):
    result = _manage("check", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr
