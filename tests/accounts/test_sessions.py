"""Sessions: inactivity and absolute expiry, rotation at login, disabling ends everything."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from ilp_platform.accounts.models import UserSession
from ilp_platform.accounts.security import LAST_SEEN, LOGIN_AT
from tests.accounts.auth_helpers import session_cookie, shift_session
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

MINUTE = 60
HOUR = 3600


def _login(client, username="analyst"):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_the_session_id_changes_at_login(client, world):
    client.get(reverse("accounts:login"))
    session = client.session
    session["before_login"] = True
    session.save()
    before = session_cookie(client)
    _login(client)
    after = session_cookie(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.filter(session_key=after).exists()
    assert client.session["before_login"] is True  # data carried over, id not


def test_a_session_idle_too_long_ends_with_a_message_and_a_logout_event(client, world):
    _login(client)
    shift_session(client, **{LAST_SEEN: 31 * MINUTE})
    response = client.get("/intelligence/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=%2Fintelligence%2Freports%2F" in response["Location"]
    page = client.get(response["Location"])
    assert "30 minutes without activity" in page.content.decode()
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.filter(action="logout").latest("id")
    assert event.actor_username == "analyst"
    assert event.details == {"reason": "idle"}


def test_activity_within_the_idle_time_keeps_the_session(client, world):
    _login(client)
    shift_session(client, **{LAST_SEEN: 29 * MINUTE})
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] > client.session[LOGIN_AT] - 1  # refreshed


def test_a_session_ends_at_its_absolute_lifetime_despite_activity(client, world):
    _login(client)
    shift_session(client, **{LOGIN_AT: 12 * HOUR + MINUTE, LAST_SEEN: 10})
    response = client.get("/", follow=True)
    assert "maximum length of 12 hours" in response.content.decode()
    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert AuditEvent.objects.filter(action="logout").latest("id").details == {"reason": "absolute"}


def test_the_idle_and_absolute_limits_follow_the_settings(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 5
    settings.SESSION_MAX_HOURS = 1
    _login(client)
    shift_session(client, **{LAST_SEEN: 6 * MINUTE})
    assert client.get("/").status_code == 302
    _login(client)
    shift_session(client, **{LOGIN_AT: HOUR + MINUTE})
    assert client.get("/").status_code == 302
    reasons = list(
        AuditEvent.objects.filter(action="logout").order_by("id").values_list("details", flat=True)
    )
    assert reasons == [{"reason": "idle"}, {"reason": "absolute"}]


def test_a_progress_fragment_polling_does_not_count_as_activity(client, world):
    _login(client)
    shift_session(client, **{LAST_SEEN: 10 * MINUTE})
    stamp = client.session[LAST_SEEN]
    assert client.get("/", HTTP_X_ILP_POLL="1", HTTP_HX_REQUEST="true").status_code == 200
    assert client.session[LAST_SEEN] == stamp
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] > stamp


def test_a_page_left_polling_past_the_idle_time_is_sent_to_the_login_page(client, world):
    _login(client)
    shift_session(client, **{LAST_SEEN: 31 * MINUTE})
    response = client.get(
        "/analysis/jobs/7/progress/",
        HTTP_X_ILP_POLL="1",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/analysis/jobs/7/?tab=map",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == (
        reverse("accounts:login") + "?next=%2Fanalysis%2Fjobs%2F7%2F%3Ftab%3Dmap"
    )
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="logout").latest("id").details == {"reason": "idle"}


def test_an_api_call_on_an_expired_session_answers_401(client, world):
    _login(client)
    shift_session(client, **{LAST_SEEN: 31 * MINUTE})
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_disabling_an_account_ends_its_sessions_and_revokes_its_tokens_at_once(world):
    laptop, desktop = _login(Client()), _login(Client())
    token = Client().post(
        reverse("api-token"),
        {"username": "analyst", "password": PASSWORD},
        content_type="application/json",
    )
    key = token.json()["token"]
    assert UserSession.objects.filter(user=world.analyst).count() == 2

    world.analyst.is_active = False
    world.analyst.save()

    assert not Session.objects.filter(session_key=session_cookie(laptop)).exists()
    assert not Session.objects.filter(session_key=session_cookie(desktop)).exists()
    assert not Token.objects.filter(user=world.analyst).exists()
    assert laptop.get("/").status_code == 302
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    event = AuditEvent.objects.filter(action="logout", object_repr="analyst").latest("id")
    assert event.details == {"reason": "account_disabled", "sessions_ended": 2, "tokens_revoked": 1}


def test_disabling_an_account_in_the_admin_ends_its_sessions(client, world):
    victim = _login(Client(), "analyst2")
    client.force_login(world.admin)
    data = {
        "username": "analyst2",
        "first_name": "Ana",
        "last_name": "Second",
        "email": "analyst2@example.invalid",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
        "groups": [g.pk for g in world.analyst2.groups.all()],
        "unit": world.analyst2.unit_id,
    }
    response = client.post(f"/admin/accounts/user/{world.analyst2.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    world.analyst2.refresh_from_db()
    assert not world.analyst2.is_active
    assert victim.get("/").status_code == 302
    assert not UserSession.objects.filter(user=world.analyst2).exists()


def test_logging_out_removes_the_session_from_the_index(client, world):
    _login(client)
    assert UserSession.objects.filter(user=world.analyst).count() == 1
    client.post(reverse("accounts:logout"))
    assert not UserSession.objects.filter(user=world.analyst).exists()
