"""Two-factor authentication: enrolment, the code step, recovery codes, enforcement per role."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from ilp_platform.accounts import services
from tests.accounts.auth_helpers import RECOVERY_CODES, current_code, enrol
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

ENROL = "/accounts/two-factor/enrol/"
VERIFY = "/accounts/two-factor/verify/"


@pytest.fixture
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_ROLES = ["manager", "oversight", "administrator"]
    # A wrong code delays the next try; tests give wrong and right codes back to back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings


def _login(client, username):
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def _two_factor_events(username, event):
    return AuditEvent.objects.filter(
        action="two_factor", object_repr=username, details__event=event
    )


@pytest.mark.parametrize("username", ["manager", "oversight", "admin"])
def test_a_required_role_is_sent_to_enrolment_and_held_there(client, world, enforced, username):
    response = _login(client, username)
    assert response.status_code == 302
    held = client.get(response["Location"])
    assert held.status_code == 302 and held["Location"].startswith(ENROL)
    for path in ("/", "/audit/events/", "/admin/", "/accounts/security/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    assert client.get(ENROL).status_code == 200


@pytest.mark.parametrize("username", ["officer", "analyst", "handler"])
def test_other_roles_log_in_with_a_password_alone(client, world, enforced, username):
    response = _login(client, username)
    assert client.get(response["Location"]).status_code == 200


def test_with_enforcement_off_nobody_is_held_which_keeps_the_demo_simple(client, world, settings):
    settings.TWO_FACTOR_ENFORCED = False
    response = _login(client, "manager")
    assert client.get(response["Location"]).status_code == 200


def test_the_roles_that_need_it_follow_the_setting(client, world, enforced):
    enforced.TWO_FACTOR_ROLES = ["analyst"]
    assert client.get(_login(client, "analyst")["Location"])["Location"].startswith(ENROL)
    other = Client()
    assert other.get(_login(other, "manager")["Location"]).status_code == 200


def test_enrolment_shows_a_qr_code_and_the_secret_and_is_confirmed_by_a_code(
    client, world, enforced
):
    # Managers enrol with a one-time code from an administrator (test_enrolment_codes.py).
    enrolment_code, _row = services.issue_enrolment_code(world.manager, actor=world.admin)
    _login(client, "manager")
    page = client.get(ENROL, {"next": "/audit/events/"}).content.decode()
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    assert "<svg" in page and "<path" in page  # drawn on the server, inline
    secret = re.search(r'<code class="fs-5 ilp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert secret.replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()

    wrong = client.post(ENROL, {"enrolment_code": enrolment_code, "code": "000000", "next": "/"})
    assert wrong.status_code == 200
    assert "not valid" in wrong.content.decode()
    assert _two_factor_events("manager", "enrolment_failed").exists()

    response = client.post(
        ENROL, {"enrolment_code": enrolment_code, "code": current_code(device), "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed
    shown = client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li><code class="fs-5">([a-z2-7]{8})</code></li>', shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=world.manager).values_list("token", flat=True)
    )
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in codes)  # shown once only
    assert client.get("/").status_code == 200  # free to go on
    event = _two_factor_events("manager", "enrolled").get()
    assert event.details["recovery_codes"] == 10


def test_an_enrolled_person_gives_a_code_after_the_password(client, world, enforced):
    device = enrol(world.analyst)  # optional for analysts, but once enrolled always asked
    response = _login(client, "analyst")
    held = client.get(response["Location"])
    assert held["Location"].startswith(VERIFY)
    assert client.get("/intelligence/reports/")["Location"].startswith(VERIFY)

    wrong = client.post(VERIFY, {"code": "123456", "next": "/"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    failure = _two_factor_events("analyst", "verification_failed").get()
    assert failure.outcome == "failure"

    right = client.post(VERIFY, {"code": current_code(device), "next": "/intelligence/reports/"})
    assert right.status_code == 302 and right["Location"] == "/intelligence/reports/"
    assert client.get("/").status_code == 200
    assert _two_factor_events("analyst", "verified").exists()


def test_a_recovery_code_replaces_the_phone_once(client, world, enforced):
    enrol(world.manager)
    _login(client, "manager")
    response = client.post(VERIFY, {"code": RECOVERY_CODES[0].upper(), "next": "/"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    used = _two_factor_events("manager", "recovery_code_used").get()
    assert used.details["recovery_codes_left"] == 9

    client.post(reverse("accounts:logout"))
    _login(client, "manager")
    again = client.post(VERIFY, {"code": RECOVERY_CODES[0], "next": "/"})
    assert again.status_code == 200 and "not valid" in again.content.decode()


def test_regenerating_recovery_codes_replaces_the_old_ones(client, world, enforced):
    device = enrol(world.manager)
    _login(client, "manager")
    client.post(VERIFY, {"code": current_code(device), "next": "/"})
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li><code class="fs-5">([a-z2-7]{8})</code></li>', page)
    assert len(codes) == 10 and not set(codes) & set(RECOVERY_CODES)
    assert not StaticToken.objects.filter(token=RECOVERY_CODES[1]).exists()
    assert _two_factor_events("manager", "recovery_codes_regenerated").exists()


def test_the_security_page_shows_the_status(client, world, enforced):
    enrol(world.analyst)
    client.force_login(world.analyst)
    session = client.session
    session.pop("ilp_2fa_pending", None)
    session.save()
    page = client.get(reverse("accounts:security")).content.decode()
    assert "10 recovery codes left" in page


# --- API tokens -----------------------------------------------------------------------------


def _token(client, username, **extra):
    return client.post(
        reverse("api-token"),
        {"username": username, "password": PASSWORD, **extra},
        content_type="application/json",
    )


def test_a_required_role_without_enrolment_gets_no_api_token(client, world, enforced):
    response = _token(client, "manager")
    assert response.status_code == 403
    assert "enrol in the browser" in response.json()["detail"][0]


def test_an_enrolled_person_needs_the_code_for_an_api_token(client, world, enforced):
    device = enrol(world.manager)
    missing = _token(client, "manager")
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = _token(client, "manager", otp="000000")
    assert wrong.status_code == 400 and "otp" in wrong.json()
    issued = _token(client, "manager", otp=current_code(device))
    assert issued.status_code == 200
    key = issued.json()["token"]
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200 and me.json()["username"] == "manager"
    login = AuditEvent.objects.filter(action="login", actor_username="manager").latest("id")
    assert login.details == {"method": "api_token", "two_factor": True}


def test_a_token_not_issued_after_two_factor_is_refused_for_a_required_role(world, enforced):
    key = Token.objects.create(user=world.manager).key
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert "two-factor" in response.json()["detail"]
    # Roles without the requirement keep working with a plain token.
    plain = Token.objects.create(user=world.analyst).key
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {plain}").status_code == 200


def test_a_token_made_outside_the_endpoint_is_replaced_when_one_is_requested(client, world):
    old = Token.objects.create(user=world.analyst).key
    new = _token(client, "analyst").json()["token"]
    assert new != old and not Token.objects.filter(key=old).exists()
    assert _token(client, "analyst").json()["token"] == new  # stable once issued here
