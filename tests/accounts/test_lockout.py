"""Brute force: a username+IP pair locks after the failure limit, for an escalating cool-off.

The lockout protects the account without becoming a way to lock its owner out: it holds only
the username + address pair that failed, lifts itself (1, 5, 15, 60 ... minutes by default), tells
the person how long to wait (the same words for an unknown username), shows on the
administrators' home page with an unlock in the admin, and every step is an audit event.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ilp_platform.accounts import services
from ilp_platform.accounts.config import env_minutes_ladder
from ilp_platform.accounts.home import lockout_panels
from ilp_platform.accounts.models import LoginLockout
from ilp_platform.accounts.tasks import expire_authentication_holds
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ELSEWHERE = "10.1.2.3"


@pytest.fixture(autouse=True)
def _ladder(settings):
    settings.LOCKOUT_COOLOFF_MINUTES = (1, 5, 15, 60)
    settings.LOCKOUT_RESET_HOURS = 24
    settings.EMAIL_HOST = ""
    cache.clear()
    yield
    cache.clear()


def _fail(client, username="analyst", times=1, **extra):
    responses = [
        client.post(LOGIN, {"username": username, "password": "wrong-password"}, **extra)
        for _ in range(times)
    ]
    return responses[-1]


def _login(client, username="analyst", **extra):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, **extra)


def _run_out(username="analyst", *, hours_ago: float = 0):
    """Move the pair's lockout into the past, as if its cool-off had run out."""
    past = timezone.now() - timedelta(hours=hours_ago, seconds=1)
    LoginLockout.objects.filter(username=username).update(
        locked_at=past - timedelta(minutes=1), locked_until=past
    )


def _alert(response) -> str:
    """The lockout message on the login page, whitespace folded."""
    found = re.search(
        r'<div class="alert alert-danger" role="alert">(.*?)</div>', response.text, re.S
    )
    assert found, "no alert on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _timeless(text: str) -> str:
    """The message without its clock time (two lockouts a moment apart may straddle a minute)."""
    return re.sub(r"\(at [^)]*\)", "(at …)", text)


def _events(action, username="analyst"):
    return AuditEvent.objects.filter(action=action, object_repr=username).order_by("id")


def test_five_failures_lock_the_pair_and_the_login_page_says_how_long(client, world):
    response = _fail(client, times=4)
    assert response.status_code == 200  # still the form with its error
    response = _fail(client)
    assert response.status_code == 403
    text = _alert(response)
    assert "Too many failed logins for this username from your network address." in text
    assert "You can try again in 1 minute (at " in text
    assert 'name="username"' in response.text  # the login form, ready for later
    assert 0 < int(response["Retry-After"]) <= 60
    assert _events("login_failed").count() == 5
    lockout = _events("lockout").get()
    assert lockout.outcome == "denied"
    assert lockout.details["ip_address"] == "127.0.0.1"
    assert lockout.details["failures"] == 5
    assert lockout.details["level"] == 1 and lockout.details["cool_off_minutes"] == 1
    lock = LoginLockout.objects.get(username="analyst")
    assert lock.ip_address == "127.0.0.1" and lock.level == 1 and not lock.ended
    assert timedelta(seconds=55) < lock.locked_until - lock.locked_at <= timedelta(minutes=1)


def test_a_locked_pair_is_refused_even_with_the_right_password(client, world):
    _fail(client, times=5)
    response = _login(client)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    blocked = _events("lockout")
    assert blocked.count() == 2
    assert blocked.last().details["blocked_attempt"] is True
    assert "locked_until" in blocked.last().details
    assert not AuditEvent.objects.filter(action="login", actor_username="analyst").exists()
    # Refused attempts neither extend nor escalate the lockout.
    lock = LoginLockout.objects.get(username="analyst")
    _fail(client, times=3)
    assert LoginLockout.objects.get(pk=lock.pk).locked_until == lock.locked_until
    assert LoginLockout.objects.get(pk=lock.pk).level == 1


def test_the_cool_off_runs_out_by_itself_and_its_end_is_audited(client, world):
    _fail(client, times=5)
    _run_out()
    response = _login(client)
    assert response.status_code == 302 and SESSION_KEY in client.session
    end = _events("unlock").get()
    assert end.details["reason"] == "cool_off_expired"
    assert end.details["level"] == 1 and end.details["ip_address"] == "127.0.0.1"
    assert end.actor_username == ""
    assert not AccessAttempt.objects.filter(username="analyst").exists()


def test_after_the_cool_off_the_pair_gets_a_fresh_count(client, world):
    _fail(client, times=5)
    _run_out()
    assert _fail(client, times=4).status_code == 200
    assert _fail(client).status_code == 403


@pytest.mark.parametrize("ladder", [(1, 5, 15, 60), (2, 10)])
def test_each_lockout_in_a_row_waits_longer_and_the_last_step_repeats(
    client, world, settings, ladder
):
    settings.LOCKOUT_COOLOFF_MINUTES = ladder
    waits = []
    for _round in range(len(ladder) + 1):
        response = _fail(client, times=5)
        assert response.status_code == 403
        lock = LoginLockout.objects.get(username="analyst")
        waits.append(round((lock.locked_until - lock.locked_at).total_seconds() / 60))
        minutes = waits[-1]
        assert f"try again in {minutes} minute" in _alert(response)
        _run_out()
    assert waits == [*ladder, ladder[-1]]
    levels = [e.details["level"] for e in _events("lockout")]
    assert levels == list(range(1, len(ladder) + 2))
    assert [e.details["reason"] for e in _events("unlock")][-1] == "cool_off_expired"


def test_the_ladder_starts_again_after_a_quiet_day(client, world):
    _fail(client, times=5)
    _run_out(hours_ago=25)
    _fail(client, times=5)
    assert LoginLockout.objects.get(username="analyst").level == 1


def test_a_successful_login_forgets_the_pairs_lockouts(client, world):
    _fail(client, times=5)
    _run_out()
    assert _login(client).status_code == 302
    assert not LoginLockout.objects.filter(username="analyst").exists()
    client.logout()
    _fail(client, times=5)
    assert LoginLockout.objects.get(username="analyst").level == 1


def test_an_attacker_at_one_address_cannot_lock_out_the_owner_at_another(client, world):
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    _fail(client, times=5)
    assert _fail(client, times=20).status_code == 403  # hammering on changes nothing elsewhere
    owner = Client()
    assert _login(owner, REMOTE_ADDR=ELSEWHERE).status_code == 302
    colleague = Client()
    assert _login(colleague, "analyst2").status_code == 302  # same address, other account


def test_an_unknown_username_gets_the_same_answer_as_a_real_one(client, world):
    real = _fail(client, "analyst", times=5)
    unknown = _fail(Client(), "no-such-person", times=5, REMOTE_ADDR=ELSEWHERE)
    assert real.status_code == unknown.status_code == 403
    assert _timeless(_alert(real)) == _timeless(_alert(unknown))
    assert real["Retry-After"] == unknown["Retry-After"] or (
        abs(int(real["Retry-After"]) - int(unknown["Retry-After"])) <= 1
    )
    assert _events("lockout", "no-such-person").get().details["level"] == 1
    api_real = _token(Client(), "analyst")
    api_unknown = _token(Client(), "no-such-person", REMOTE_ADDR=ELSEWHERE)
    assert api_real.status_code == api_unknown.status_code == 403
    assert _timeless(api_real.json()["detail"]) == _timeless(api_unknown.json()["detail"])


def test_the_failure_limit_follows_the_setting(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert _fail(client).status_code == 200
    assert _fail(client).status_code == 403


# --- Administrators ---------------------------------------------------------------------------


def _admin_client(world):
    admin_client = Client()
    admin_client.force_login(world.admin)
    return admin_client


def test_an_administrator_sees_current_lockouts_on_the_home_page(client, world):
    _fail(client, times=5)
    _fail(Client(), "no-such-person", times=5, REMOTE_ADDR=ELSEWHERE)
    panel = {str(p.title): p for p in lockout_panels(world.admin)}["Logins locked now"]
    assert panel.count == 2 and panel.tone == "danger"
    labels = [label for label, _url in panel.items]
    assert any(label.startswith("analyst from 127.0.0.1, until ") for label in labels)
    assert any(label.startswith(f"no-such-person from {ELSEWHERE}") for label in labels)
    assert all(
        url.startswith("/admin/accounts/loginlockout/?state=current") for _l, url in panel.items
    )
    page = _admin_client(world).get(reverse("core:home")).content.decode()
    assert "Logins locked now" in page and "analyst from 127.0.0.1" in page
    for other in ("analyst", "manager", "oversight"):
        assert lockout_panels(world.user(other)) == []
    _run_out()
    _run_out("no-such-person")
    quiet = lockout_panels(world.admin)[0]
    assert quiet.count == 0 and quiet.tone == "success"


def test_an_administrator_unlocks_a_lockout_in_the_admin_and_it_is_audited(client, world):
    _fail(client, times=5)
    lock = LoginLockout.objects.get(username="analyst")
    admin_client = _admin_client(world)
    listing = admin_client.get("/admin/accounts/loginlockout/?state=current")
    assert listing.status_code == 200 and "analyst" in listing.content.decode()
    response = admin_client.post(
        "/admin/accounts/loginlockout/", {"action": "unlock", "_selected_action": [lock.pk]}
    )
    assert response.status_code == 302
    assert not LoginLockout.objects.filter(username="analyst").exists()
    assert not AccessAttempt.objects.filter(username="analyst").exists()
    event = AuditEvent.objects.get(action="unlock")
    assert event.actor_username == "admin"
    assert event.object_repr == "analyst"
    assert event.details["reason"] == "administrator"
    assert event.details["ip_address"] == "127.0.0.1"
    assert event.details["attempts_removed"] == 1 and event.details["level"] == 1
    assert _login(client).status_code == 302


def test_the_failure_counters_admin_still_unlocks_too(client, world):
    _fail(client, times=5)
    attempt = AccessAttempt.objects.get(username="analyst")
    admin_client = _admin_client(world)
    listing = admin_client.get("/admin/axes/accessattempt/?locked=yes")
    assert listing.status_code == 200 and "analyst" in listing.content.decode()
    response = admin_client.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]}
    )
    assert response.status_code == 302
    assert not LoginLockout.objects.filter(username="analyst").exists()
    assert AuditEvent.objects.get(action="unlock").details["reason"] == "administrator"
    assert _login(client).status_code == 302


def test_a_non_superuser_administrator_can_unlock(client, world):
    from django.contrib.auth.models import Group

    from ilp_platform.accounts.models import User

    person = User.objects.create_user("admin2", password=PASSWORD, is_staff=True)
    person.groups.add(Group.objects.get(name="administrator"))
    _fail(client, times=5)
    assert services.can_unlock(person)
    assert [p.count for p in lockout_panels(person)] == [1]
    services.unlock(username="analyst", ip_address="127.0.0.1", actor=person)
    assert not LoginLockout.objects.exists()


def test_nobody_but_an_administrator_can_unlock(client, world):
    _fail(client, times=5)
    other = Client()
    other.force_login(world.oversight)
    assert other.get("/admin/accounts/loginlockout/").status_code == 302  # to the admin login
    assert other.get("/admin/axes/accessattempt/").status_code == 302
    with pytest.raises(PermissionError):
        services.unlock(username="analyst", ip_address="127.0.0.1", actor=world.manager)
    assert AccessAttempt.objects.filter(username="analyst").exists()
    assert LoginLockout.objects.current().filter(username="analyst").exists()
    assert not AuditEvent.objects.filter(action="unlock").exists()


def test_the_scheduled_sweep_records_each_cool_offs_end_once(client, world):
    _fail(client, times=5)
    _fail(Client(), "analyst2", times=5)
    assert expire_authentication_holds() == {"lockouts_ended": 0, "enrolment_codes_expired": 0}
    _run_out()
    assert expire_authentication_holds()["lockouts_ended"] == 1
    assert expire_authentication_holds()["lockouts_ended"] == 0
    end = _events("unlock").get()
    assert end.details["reason"] == "cool_off_expired" and end.via == "job"
    assert not AccessAttempt.objects.filter(username="analyst").exists()
    assert AccessAttempt.objects.filter(username="analyst2").exists()  # still locked
    assert _login(client).status_code == 302
    assert _events("unlock").count() == 1  # not recorded a second time at the login


def test_the_sweep_forgets_pairs_whose_last_lockout_is_a_day_old(client, world):
    _fail(client, times=5)
    _run_out(hours_ago=25)
    expire_authentication_holds()
    assert not LoginLockout.objects.exists()


def test_administrators_are_emailed_when_mail_is_configured_at_most_every_15_minutes(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.invalid"
    with django_capture_on_commit_callbacks(execute=True):
        _fail(client, times=5)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@example.invalid"]
    assert "1 username and address pair is locked" in message.body
    assert "analyst" not in message.body and "127.0.0.1" not in message.body
    with django_capture_on_commit_callbacks(execute=True):
        _fail(Client(), "analyst2", times=5)
    assert len(mail.outbox) == 1  # within the quarter of an hour: the home page has it


def test_a_broker_outage_does_not_turn_the_lockout_into_an_error(
    client, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from ilp_platform.accounts import notices

    def down():
        raise ConnectionError("broker down")

    settings.EMAIL_HOST = "smtp.example.invalid"
    monkeypatch.setattr(notices.mail_lockout_notice, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = _fail(client, times=5)
    assert response.status_code == 403 and "try again in 1 minute" in _alert(response)
    assert _events("lockout").count() == 1


def test_no_email_without_a_mail_server(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _fail(client, times=5)
    assert mail.outbox == []


# --- API and the admin login ------------------------------------------------------------------


def _token(client, username, password="nope", **extra):
    return client.post(
        reverse("api-token"),
        {"username": username, "password": password},
        content_type="application/json",
        **extra,
    )


def test_the_token_endpoint_counts_failures_and_answers_json_when_locked(client, world):
    for _ in range(4):
        response = _token(client, "analyst")
        assert response.status_code == 400
        assert "non_field_errors" in response.json()
    response = _token(client, "analyst")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "locked_out"
    assert 0 < body["retry_after"] <= 60 and response["Retry-After"] == str(body["retry_after"])
    assert "try again in 1 minute" in body["detail"]
    response = _token(client, "analyst", PASSWORD)
    assert response.status_code == 403
    assert "token" not in response.json()
    assert _events("lockout").count() == 2


def test_the_admin_login_form_is_protected_too(client, world):
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong-password"})
    assert response.status_code == 403
    assert "try again in 1 minute" in _alert(response)
    assert _events("lockout", "admin").exists()


# --- Configuration ------------------------------------------------------------------------------


def test_the_cool_off_ladder_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("LOCKOUT_COOLOFF_MINUTES", raising=False)
    assert env_minutes_ladder("LOCKOUT_COOLOFF_MINUTES", [1, 5, 15, 60]) == (1, 5, 15, 60)
    monkeypatch.setenv("LOCKOUT_COOLOFF_MINUTES", " 2, 10 ,30")
    assert env_minutes_ladder("LOCKOUT_COOLOFF_MINUTES", [1]) == (2, 10, 30)


@pytest.mark.parametrize("value", ["five", "1,,5", "0,5", "-1", "15,5", ","])
def test_a_malformed_cool_off_ladder_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("LOCKOUT_COOLOFF_MINUTES", value)
    with pytest.raises(ImproperlyConfigured, match=r"^LOCKOUT_COOLOFF_MINUTES="):
        env_minutes_ladder("LOCKOUT_COOLOFF_MINUTES", [1])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOCKOUT_COOLOFF_MINUTES", "1,5,soon"),
        ("LOCKOUT_RESET_HOURS", "0"),
        ("TWO_FACTOR_ENROLMENT_CODE_HOURS", "three days"),
        ("TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS", "0"),
    ],
)
def test_a_bad_authentication_setting_stops_start_up_naming_it(name, value):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"ILP_ENV": "test", name: value})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert name in result.stderr


def test_a_signed_in_person_failing_the_password_confirmation_is_told_how_long_too(client, world):
    client.force_login(world.oversight)
    for _ in range(5):
        response = client.post(reverse("accounts:reauth"), {"password": "wrong-password"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Account locked" in body and "try again in 1 minute" in body
    assert 'name="username"' not in body


def test_the_sweep_runs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-authentication-holds"]
    assert entry["task"] == expire_authentication_holds.name
    assert entry["schedule"] == timedelta(minutes=1)
