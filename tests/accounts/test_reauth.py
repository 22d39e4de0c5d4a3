"""Re-authentication before the most sensitive actions: export, erasure, compartment grants."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from ilp_platform.accounts.models import Compartment, TokenConfirmation
from ilp_platform.accounts.security import AUTH_AT
from intelligence.models import Report
from tests.accounts.auth_helpers import RECOVERY_CODES, enrol, shift_session
from tests.intelligence.helpers import make_report
from tests.utils.world import PASSWORD

pytestmark = pytest.mark.django_db

REAUTH = "/accounts/confirm/"
STALE = 6 * 60  # one minute past the default five


def _stale_login(client, user, justification="OP-TEST reauth"):
    client.force_login(user)
    if justification:
        client.post(reverse("core:justification"), {"reference": justification, "next": "/"})
    shift_session(client, **{AUTH_AT: STALE})
    return client


def test_a_fresh_login_counts_as_a_recent_confirmation(client, world):
    client.force_login(world.oversight)
    assert client.get(reverse("audit:event_export")).status_code == 200


def test_exporting_the_audit_log_asks_for_the_password_again(client, world):
    _stale_login(client, world.oversight, justification="")
    export = reverse("audit:event_export")
    response = client.get(export, {"actor": "analyst"})
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    assert not AuditEvent.objects.filter(action="export").exists()

    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    wrong = client.post(response["Location"], {"password": "not-it"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    failed = AuditEvent.objects.get(action="reauthenticate", outcome="failure")
    assert failed.actor_username == "oversight" and failed.details == {"failed": ["password"]}

    right = client.post(response["Location"], {"password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == f"{export}?actor=analyst"
    assert client.get(right["Location"]).status_code == 200
    assert AuditEvent.objects.filter(action="reauthenticate", outcome="success").count() == 1
    assert AuditEvent.objects.filter(action="export", actor_username="oversight").exists()


def test_the_confirmation_lasts_the_configured_minutes(client, world, settings):
    settings.REAUTH_MINUTES = 10
    client.force_login(world.oversight)
    shift_session(client, **{AUTH_AT: STALE})
    assert client.get(reverse("audit:event_export")).status_code == 200
    shift_session(client, **{AUTH_AT: 11 * 60})
    assert client.get(reverse("audit:event_export")).status_code == 302


def test_erasing_a_report_in_the_browser_needs_a_recent_confirmation(client, world):
    report = make_report(world)
    _stale_login(client, world.manager)
    url = reverse("intelligence:report_review", args=[report.pk])
    erase = {"decision": "erase", "reason": "No longer necessary"}
    response = client.post(url, erase)
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    assert Report.objects.get(pk=report.pk).status != "erased"

    client.post(f"{REAUTH}?next={url}", {"password": PASSWORD})
    assert client.post(url, erase).status_code == 302
    assert Report.objects.get(pk=report.pk).status == "erased"


def test_retaining_a_report_needs_no_confirmation(client, world):
    report = make_report(world)
    _stale_login(client, world.manager)
    due = (timezone.localdate() + timezone.timedelta(days=400)).isoformat()
    response = client.post(
        reverse("intelligence:report_review", args=[report.pk]),
        {"decision": "retain", "reason": "Still needed", "next_review_due": due},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(REAUTH)


def _api_erase(report, key):
    return Client().post(
        f"/api/v1/reports/{report.pk}/review/",
        {"decision": "erase", "reason": "No longer necessary"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_X_JUSTIFICATION="OP-TEST api erase",
    )


def test_erasing_through_the_api_needs_a_recently_requested_token(world):
    report = make_report(world)
    unconfirmed = Token.objects.create(user=world.manager)
    response = _api_erase(report, unconfirmed.key)
    assert response.status_code == 403
    assert "recent password confirmation" in response.json()["detail"]

    key = (
        Client()
        .post(
            reverse("api-token"),
            {"username": "manager", "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    TokenConfirmation.objects.filter(token_id=key).update(
        confirmed_at=timezone.now() - timezone.timedelta(seconds=STALE)
    )
    assert _api_erase(report, key).status_code == 403
    TokenConfirmation.objects.filter(token_id=key).update(confirmed_at=timezone.now())
    assert _api_erase(report, key).status_code == 200
    assert Report.objects.get(pk=report.pk).status == "erased"


def test_granting_compartment_access_in_the_admin_needs_a_recent_confirmation(client, world):
    compartment = Compartment.objects.create(slug="op-kite", name="Operation Kite")
    _stale_login(client, world.admin, justification="")
    for url in (
        f"/admin/accounts/compartment/{compartment.pk}/change/",
        "/admin/accounts/compartment/add/",
        f"/admin/accounts/compartment/{compartment.pk}/permissions/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(REAUTH), url
    change = f"/admin/accounts/compartment/{compartment.pk}/change/"
    confirmed = client.post(f"{REAUTH}?next={change}", {"password": PASSWORD})
    assert confirmed["Location"] == change
    assert client.get(change).status_code == 200


def test_an_enrolled_person_also_gives_a_code_to_confirm(client, world, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    enrol(world.oversight)
    client.force_login(world.oversight)
    session = client.session
    session.pop("ilp_2fa_pending", None)
    session.save()
    shift_session(client, **{AUTH_AT: STALE})
    without = client.post(REAUTH, {"password": PASSWORD})
    assert without.status_code == 200 and 'name="code"' in without.content.decode()
    assert client.get(reverse("audit:event_export")).status_code == 302
    assert client.post(REAUTH, {"password": PASSWORD, "code": RECOVERY_CODES[3]}).status_code == 302
    assert client.get(reverse("audit:event_export")).status_code == 200


def test_the_confirmation_page_does_not_redirect_off_site(client, world):
    client.force_login(world.oversight)
    response = client.post(f"{REAUTH}?next=https://elsewhere.example/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_wrong_passwords_on_the_confirmation_page_count_towards_the_lockout(client, world):
    client.force_login(world.oversight)
    for _ in range(5):
        response = client.post(REAUTH, {"password": "wrong-password"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="lockout", object_repr="oversight").exists()
