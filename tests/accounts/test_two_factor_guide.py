"""The guides and the default development mode agree on two-factor authentication: in the
default mode (``make run``, the demo) nobody is asked to enrol, a manager signs in with a
password alone and may enrol from the Security page without a code; where it is enforced,
managers are held at enrolment at their first login."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db
GUIDES = Path(django_settings.BASE_DIR) / "docs" / "guides"


def _default_setting() -> str:
    """TWO_FACTOR_ENFORCED as the default development mode reads it (no variable set)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TWO_FACTOR_ENFORCED", "ILP_ENV", "DJANGO_SETTINGS_MODULE")
    }
    env["DJANGO_SETTINGS_MODULE"] = "ilp_platform.settings"
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.ILP_ENV, settings.TWO_FACTOR_ENFORCED)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_the_default_development_mode_does_not_enforce_two_factor():
    assert _default_setting() == "development False"


def test_in_that_mode_a_manager_signs_in_with_a_password_alone(client, world, settings):
    settings.TWO_FACTOR_ENFORCED = False
    response = client.post(reverse("accounts:login"), {"username": "manager", "password": PASSWORD})
    assert response.status_code == 302
    assert "two-factor" not in response["Location"]
    assert client.get("/").status_code == 200
    # ... and may enrol, without an enrolment code.
    enrol = client.get(reverse("accounts:two_factor_enrol")).content.decode()
    assert 'name="enrolment_code"' not in enrol


def test_where_enforced_a_manager_is_held_at_enrolment(client, world, settings):
    settings.TWO_FACTOR_ENFORCED = True
    response = client.post(
        reverse("accounts:login"), {"username": "manager", "password": PASSWORD}, follow=True
    )
    assert reverse("accounts:two_factor_enrol") in response.redirect_chain[-1][0]


@pytest.mark.parametrize("guide", ["manager.md", "oversight.md"])
def test_the_guides_say_what_the_default_mode_does(guide):
    text = " ".join((GUIDES / guide).read_text(encoding="utf-8").split())
    assert "default development mode" in text and "nobody is asked" in text
    assert "enrol" in text and ("production" in text)
    assert "enrol an authenticator app at their first login (two-factor" not in text
