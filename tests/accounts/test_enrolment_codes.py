"""Two-factor enrolment that a stolen password cannot complete.

Managers, oversight and administrators (TWO_FACTOR_ROLES, when TWO_FACTOR_ENFORCED) register an
authenticator only with a one-time enrolment code an administrator issues: shown once, stored
hashed, expiring (TWO_FACTOR_ENROLMENT_CODE_HOURS), single use, withdrawn after too many wrong
entries. Issuing, using, expiring and refusing a code are audit events. A lost phone goes
through the same code. With enforcement off (the demo) anyone enrols freely.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from ilp_platform.accounts import security, services
from ilp_platform.accounts.models import EnrolmentCode, User
from ilp_platform.accounts.tasks import expire_authentication_holds
from tests.accounts.auth_helpers import current_code, enrol
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

ENROL = "/accounts/two-factor/enrol/"
USERS = "/admin/accounts/user/"
CODE_PATTERN = r'<code class="enrolment-code">([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>'


@pytest.fixture
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_ROLES = ["manager", "oversight", "administrator"]
    settings.TWO_FACTOR_ENROLMENT_CODE_HOURS = 72
    settings.TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS = 5
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def _login(client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _enrolling(username="manager") -> tuple[Client, TOTPDevice]:
    """``username`` logged in with the password and looking at the enrolment page."""
    client = Client()
    _login(client, username)
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    return client, device


def _submit(client, device, enrolment_code="", code=None):
    return client.post(
        ENROL,
        {
            "enrolment_code": enrolment_code,
            "code": code if code is not None else current_code(device),
            "next": "/",
        },
    )


def _code_events(username, event):
    return AuditEvent.objects.filter(
        action="two_factor", object_repr=username, details__event=event
    ).order_by("id")


def _admin_client(world, *, confirmed=True) -> Client:
    client = Client()
    client.force_login(world.admin)
    session = client.session
    session.pop(security.TWO_FACTOR_PENDING, None)  # as if enrolled and verified
    session[security.AUTH_AT] = timezone.now().timestamp() - (0 if confirmed else 3600)
    session.save()
    return client


def _issue_in_admin(world, *users, action="issue_enrolment_code") -> dict[str, str]:
    response = _admin_client(world).post(
        USERS, {"action": action, "_selected_action": [u.pk for u in users]}
    )
    assert response.status_code == 200, response
    assert "no-store" in response["Cache-Control"]  # no copy kept by the browser
    body = response.content.decode()
    codes = re.findall(CODE_PATTERN, body)
    names = re.findall(r"<tr><td>([a-z0-9]+)", body)
    return dict(zip(names, codes, strict=True))


# --- A stolen password is not enough -------------------------------------------------------------


@pytest.mark.parametrize("username", ["manager", "oversight", "admin"])
def test_a_privileged_role_cannot_enrol_with_the_password_alone(world, enforced, username):
    client, device = _enrolling(username)
    page = client.get(ENROL).content.decode()
    assert 'name="enrolment_code"' in page and "one-time enrolment code" in page
    missing = _submit(client, device)
    assert missing.status_code == 200
    assert "This field is required" in missing.content.decode()
    guessed = _submit(client, device, "ABCD-EFGH-JKMN")
    assert guessed.status_code == 200
    assert "enrolment code is not valid" in guessed.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    refused = _code_events(username, "enrolment_code_refused").get()
    assert refused.outcome == "denied" and refused.details["reason"] == "no_code"
    assert not _code_events(username, "enrolled").exists()
    # Still held at the enrolment step.
    assert client.get("/")["Location"].startswith(ENROL)


def test_an_issued_code_lets_the_person_enrol_once(world, enforced):
    codes = _issue_in_admin(world, world.manager)
    code = codes["manager"]
    client, device = _enrolling()
    response = _submit(client, device, code.lower().replace("-", " "))  # typed loosely
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    row = EnrolmentCode.objects.get(user=world.manager)
    assert row.status == "used" and row.closed_at is not None
    used = _code_events("manager", "enrolment_code_used").get()
    assert used.details["issued_by"] == "admin" and used.actor_username == "manager"
    assert _code_events("manager", "enrolled").get().details["enrolment_code"] == row.pk

    # Single use: the same code cannot enrol another device (say, after a reset by a thief).
    TOTPDevice.objects.filter(user=world.manager).delete()
    again, device = _enrolling()
    assert "not valid" in _submit(again, device, code).content.decode()


def test_the_code_is_shown_once_and_stored_only_as_a_hash(world, enforced):
    codes = _issue_in_admin(world, world.manager, world.oversight)
    assert set(codes) == {"manager", "oversight"}
    assert codes["manager"] != codes["oversight"]
    for username, code in codes.items():
        row = EnrolmentCode.objects.get(user__username=username)
        plain = code.replace("-", "")
        assert plain not in row.code_hash and code not in row.code_hash
        assert check_password(plain, row.code_hash)
        assert row.issued_by == world.admin and row.status == "issued"
        assert (
            timedelta(hours=71, minutes=59) < row.expires_at - row.issued_at <= timedelta(hours=72)
        )
        issued = _code_events(username, "enrolment_code_issued").get()
        assert issued.actor_username == "admin"
        assert issued.details["enrolment_code"] == row.pk
        assert plain not in str(issued.details) and code not in str(issued.details)
    # Nowhere to read them again: the admin's list of codes shows no code and has no form.
    listing = _admin_client(world).get("/admin/accounts/enrolmentcode/").content.decode()
    assert "Morgan Manager" in listing and codes["manager"] not in listing
    assert _admin_client(world).get("/admin/accounts/enrolmentcode/add/").status_code == 403


def test_issuing_needs_a_recent_password_confirmation(world, enforced):
    client = _admin_client(world, confirmed=False)
    response = client.post(
        USERS, {"action": "issue_enrolment_code", "_selected_action": [world.manager.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not EnrolmentCode.objects.exists()


def test_a_wrong_authenticator_code_does_not_use_up_the_enrolment_code(world, enforced):
    code, _row = services.issue_enrolment_code(world.manager, actor=world.admin)
    client, device = _enrolling()
    wrong = _submit(client, device, code, code="000000")
    assert "The code is not valid" in wrong.content.decode()
    assert EnrolmentCode.objects.get(user=world.manager).status == "issued"
    assert _submit(client, device, code).status_code == 302


def test_an_expired_code_is_refused_and_its_expiry_recorded(world, enforced):
    code, row = services.issue_enrolment_code(world.manager, actor=world.admin)
    EnrolmentCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client, device = _enrolling()
    response = _submit(client, device, code)
    assert response.status_code == 200
    assert "Your enrolment code has expired" in response.content.decode()
    row.refresh_from_db()
    assert row.status == "expired"
    assert (
        _code_events("manager", "enrolment_code_expired").get().details["enrolment_code"] == row.pk
    )
    assert _code_events("manager", "enrolment_code_refused").get().details["reason"] == "expired"


def test_the_sweep_records_expiry_of_codes_nobody_tried(world, enforced):
    _code, row = services.issue_enrolment_code(world.manager, actor=world.admin)
    services.issue_enrolment_code(world.oversight, actor=world.admin)
    EnrolmentCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_authentication_holds()["enrolment_codes_expired"] == 1
    assert expire_authentication_holds()["enrolment_codes_expired"] == 0
    assert EnrolmentCode.objects.get(pk=row.pk).status == "expired"
    assert _code_events("manager", "enrolment_code_expired").get().via == "job"
    assert EnrolmentCode.objects.get(user=world.oversight).status == "issued"


def test_wrong_codes_withdraw_the_code_after_the_limit(world, enforced):
    enforced.TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS = 3
    code, row = services.issue_enrolment_code(world.manager, actor=world.admin)
    client, device = _enrolling()
    for attempt in range(1, 3):
        response = _submit(client, device, "WXYZ-WXYZ-WXYZ")
        assert "enrolment code is not valid" in response.content.decode()
        assert EnrolmentCode.objects.get(pk=row.pk).wrong_entries == attempt
    last = _submit(client, device, "WXYZ-WXYZ-WXYZ")
    assert "Too many wrong enrolment codes" in last.content.decode()
    row.refresh_from_db()
    assert row.status == "exhausted" and row.wrong_entries == 3
    refusals = _code_events("manager", "enrolment_code_refused")
    assert [e.details.get("wrong_entries") for e in refusals] == [1, 2, 3]
    assert refusals.last().details["withdrawn"] is True
    # Even the right code is useless now: an administrator must issue a new one.
    assert "not valid" in _submit(client, device, code).content.decode()
    assert not TOTPDevice.objects.filter(user=world.manager, confirmed=True).exists()


def test_a_new_code_replaces_the_old_one(world, enforced):
    old, _row = services.issue_enrolment_code(world.manager, actor=world.admin)
    new, _row = services.issue_enrolment_code(world.manager, actor=world.admin)
    assert _code_events("manager", "enrolment_code_issued").last().details["replaced"] == 1
    client, device = _enrolling()
    assert "not valid" in _submit(client, device, old).content.decode()
    assert _submit(client, device, new).status_code == 302
    assert sorted(EnrolmentCode.objects.values_list("status", flat=True)) == ["replaced", "used"]


def test_who_may_issue_a_code(world, enforced):
    with pytest.raises(PermissionError):
        services.issue_enrolment_code(world.manager, actor=world.analyst)
    with pytest.raises(PermissionError):
        services.issue_enrolment_code(world.manager, actor=world.oversight)
    with pytest.raises(PermissionError, match="their own account"):
        services.issue_enrolment_code(world.admin, actor=world.admin)
    world.manager.is_active = False
    world.manager.save()
    with pytest.raises(PermissionError, match="disabled"):
        services.issue_enrolment_code(world.manager, actor=world.admin)
    assert not EnrolmentCode.objects.exists()
    # An administrator who is not a superuser holds the permission through the role.
    person = User.objects.create_user("admin2", password=PASSWORD, is_staff=True)
    person.groups.add(Group.objects.get(name="administrator"))
    services.issue_enrolment_code(world.oversight, actor=person)
    # In the admin, the action refuses one's own account and says so.
    response = _admin_client(world).post(
        USERS,
        {"action": "issue_enrolment_code", "_selected_action": [world.admin.pk]},
        follow=True,
    )
    assert "cannot issue an enrolment code for their own account" in response.content.decode()
    assert not EnrolmentCode.objects.filter(user=world.admin).exists()


def test_people_without_the_permission_do_not_see_the_actions(world, enforced):
    person = User.objects.create_user("helpdesk", password=PASSWORD, is_staff=True)
    person.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = Client()
    client.force_login(person)
    page = client.get(USERS).content.decode()
    assert "issue_enrolment_code" not in page and "reset_two_factor" not in page
    response = client.post(
        USERS, {"action": "issue_enrolment_code", "_selected_action": [world.manager.pk]}
    )
    assert not EnrolmentCode.objects.exists()
    assert response.status_code in (200, 302)


# --- Lost phone, replacing the authenticator ------------------------------------------------


def test_a_lost_phone_is_reset_by_an_administrator_and_re_enrolled_with_a_code(world, enforced):
    enrol(world.manager)
    codes = _issue_in_admin(world, world.manager, action="reset_two_factor")
    assert not TOTPDevice.objects.filter(user=world.manager).exists()
    assert not StaticDevice.objects.filter(user=world.manager).exists()
    reset = _code_events("manager", "reset").get()
    assert reset.actor_username == "admin" and reset.details["devices_removed"] == 1
    # At the next login the person is held at enrolment, which takes the code.
    client, device = _enrolling()
    assert client.get("/")["Location"].startswith(ENROL)
    assert "This field is required" in _submit(client, device, "").content.decode()
    assert _submit(client, device, codes["manager"]).status_code == 302
    assert TOTPDevice.objects.get(user=world.manager).confirmed


def test_replacing_an_authenticator_from_the_security_page_needs_a_code_too(world, enforced):
    old = enrol(world.manager)
    client = Client()
    _login(client, "manager")
    client.post("/accounts/two-factor/verify/", {"code": current_code(old), "next": "/"})
    security_page = client.get(reverse("accounts:security")).content.decode()
    assert "Replacing your authenticator needs a one-time enrolment code" in security_page
    page = client.get(ENROL)
    assert page.status_code == 200 and 'name="enrolment_code"' in page.content.decode()
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    assert "This field is required" in _submit(client, device, "").content.decode()
    assert "not valid" in _submit(client, device, "ABCD-EFGH-JKMN").content.decode()
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    code, _row = services.issue_enrolment_code(world.manager, actor=world.admin)
    assert _submit(client, device, code).status_code == 302
    assert list(TOTPDevice.objects.filter(user=world.manager).values_list("pk", flat=True)) == [
        device.pk
    ]


# --- Who enrols freely ---------------------------------------------------------------------------


def test_other_roles_enrol_freely_even_when_enforced(world, enforced):
    client, device = _enrolling("analyst")
    assert 'name="enrolment_code"' not in client.get(ENROL).content.decode()
    assert _submit(client, device).status_code == 302
    assert not EnrolmentCode.objects.exists()


def test_with_enforcement_off_anyone_enrols_freely_from_the_security_page(world, settings):
    settings.TWO_FACTOR_ENFORCED = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client, device = _enrolling("manager")
    assert 'name="enrolment_code"' not in client.get(ENROL).content.decode()
    response = _submit(client, device)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


# --- From the server, and what the admin shows ---------------------------------------------


def test_the_first_administrator_gets_a_code_from_the_server(world, enforced, capsys):
    call_command("issue_enrolment_code", "admin")
    out = capsys.readouterr().out
    code = re.search(r"Enrolment code for admin: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", out).group(
        1
    )
    issued = _code_events("admin", "enrolment_code_issued").get()
    assert issued.actor_username == "" and issued.via == "command"
    client, device = _enrolling("admin")
    assert _submit(client, device, code).status_code == 302


def test_the_command_resets_a_lost_phone_and_names_an_unknown_user(world, enforced, capsys):
    enrol(world.oversight)
    call_command("issue_enrolment_code", "oversight", "--reset")
    assert "Enrolment code for oversight:" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=world.oversight).exists()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("issue_enrolment_code", "nobody")


def test_the_user_page_shows_the_two_factor_status(world, enforced):
    services.issue_enrolment_code(world.manager, actor=world.admin)
    page = _admin_client(world).get(f"{USERS}{world.manager.pk}/change/").content.decode()
    assert "No authenticator" in page
    assert "an enrolment code is waiting to be used" in page
    assert "their role enrols only with an enrolment code" in page
