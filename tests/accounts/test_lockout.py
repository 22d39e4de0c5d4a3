"""Brute force: a username+IP pair locks after the failure limit; only an administrator unlocks."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.accounts import services
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _fail(client, username="analyst", times=1, **extra):
    responses = [
        client.post(LOGIN, {"username": username, "password": "wrong-password"}, **extra)
        for _ in range(times)
    ]
    return responses[-1]


def test_five_failures_lock_the_pair_and_every_step_is_audited(client, world):
    response = _fail(client, times=4)
    assert response.status_code == 200  # still the form with its error
    response = _fail(client)
    assert response.status_code == 403
    assert "locked" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", object_repr="analyst").count() == 5
    lockout = AuditEvent.objects.get(action="lockout", object_repr="analyst")
    assert lockout.outcome == "denied"
    assert lockout.details["ip_address"] == "127.0.0.1"
    assert lockout.details["failures"] == 5


def test_a_locked_pair_is_refused_even_with_the_right_password(client, world):
    _fail(client, times=5)
    response = client.post(LOGIN, {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    blocked = AuditEvent.objects.filter(action="lockout", object_repr="analyst").order_by("id")
    assert blocked.count() == 2
    assert blocked.last().details["blocked_attempt"] is True
    assert not AuditEvent.objects.filter(action="login", actor_username="analyst").exists()


def test_the_lockout_has_no_cool_off_and_applies_to_that_address_only(client, world, settings):
    assert settings.AXES_COOLOFF_TIME is None
    _fail(client, times=5)
    elsewhere = client.post(
        LOGIN, {"username": "analyst", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert elsewhere.status_code == 302
    other_user = client.post(LOGIN, {"username": "analyst2", "password": PASSWORD})
    assert other_user.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, world):
    _fail(client, times=4)
    assert client.post(LOGIN, {"username": "analyst", "password": PASSWORD}).status_code == 302
    client.logout()
    assert _fail(client, times=4).status_code == 200


def test_the_failure_limit_follows_the_setting(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert _fail(client).status_code == 200
    assert _fail(client).status_code == 403


def test_an_administrator_unlocks_in_the_admin_and_the_unlock_is_audited(client, world):
    _fail(client, times=5)
    attempt = AccessAttempt.objects.get(username="analyst")
    admin_client = type(client)()
    admin_client.force_login(world.admin)
    listing = admin_client.get("/admin/axes/accessattempt/?locked=yes")
    assert listing.status_code == 200 and "analyst" in listing.content.decode()
    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="analyst").exists()
    event = AuditEvent.objects.get(action="unlock")
    assert event.actor_username == "admin"
    assert event.object_repr == "analyst"
    assert event.details == {"ip_address": "127.0.0.1", "attempts_removed": 1}
    assert client.post(LOGIN, {"username": "analyst", "password": PASSWORD}).status_code == 302


def test_nobody_but_an_administrator_can_unlock(client, world):
    _fail(client, times=5)
    other = type(client)()
    other.force_login(world.oversight)
    assert other.get("/admin/axes/accessattempt/").status_code == 302  # to the admin login
    with pytest.raises(PermissionError):
        services.unlock(username="analyst", ip_address="127.0.0.1", actor=world.manager)
    assert AccessAttempt.objects.filter(username="analyst").exists()
    assert not AuditEvent.objects.filter(action="unlock").exists()


def test_the_token_endpoint_counts_failures_and_answers_json_when_locked(client, world):
    url = reverse("api-token")
    for _ in range(4):
        response = client.post(
            url, {"username": "analyst", "password": "nope"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "non_field_errors" in response.json()
    response = client.post(
        url, {"username": "analyst", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "locked_out"
    response = client.post(
        url, {"username": "analyst", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "token" not in response.json()
    assert AuditEvent.objects.filter(action="lockout", object_repr="analyst").count() == 2


def test_the_admin_login_form_is_protected_too(client, world):
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong-password"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="lockout", object_repr="admin").exists()
