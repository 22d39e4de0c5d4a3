"""A stored verification result is shown as intact only when it is proven genuine.

The application's database role may insert and delete ``IntegrityCheck`` rows, so a row saying
"intact" proves nothing alone. Each verification signs its row (HMAC keyed from SECRET_KEY)
and records its result as an audit event in the hash chain; the console, the home panel and
``GET /api/v1/audit/verify/`` call a result intact only when both match.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.choices import Action, Outcome
from audit.integrity import CHECK_OBJECT_TYPE, run_verification
from audit.models import AuditEvent, IntegrityCheck
from audit.verification import verify_chain
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _forged_row(**fields) -> IntegrityCheck:
    """A row inserted directly, as the application's role (or anyone with its login) could."""
    later = timezone.now() + timedelta(minutes=5)
    values = {
        "started_at": later,
        "finished_at": later,
        "events_checked": AuditEvent.objects.count(),
        "ok": True,
        "message": f"chain intact: {AuditEvent.objects.count()} events verified",
    }
    values.update(fields)
    return IntegrityCheck.objects.create(**values)


def _page(client, world) -> str:
    client.force_login(world.oversight)
    return client.get(reverse("audit:integrity")).content.decode()


def test_a_verifications_result_is_itself_an_event_in_the_chain():
    services.record(Action.VIEW, object_type="test.trust", object_id="1")
    result, check = run_verification()
    event = AuditEvent.objects.get(object_type=CHECK_OBJECT_TYPE, object_id=str(check.pk))
    assert event.action == Action.JOB_RUN and event.outcome == Outcome.SUCCESS
    assert event.details["ok"] is True
    assert event.details["events_checked"] == result.events_checked
    assert event.details["signature"] == check.signature and len(check.signature) == 64
    assert event.details["checkpoint"]["seq"] == 1
    assert verify_chain().ok


def test_a_genuine_result_is_shown_intact_everywhere(client, world):
    run_verification()
    assert "Chain intact" in _page(client, world)
    body = api_client(world.oversight, justification=None).get(reverse("audit-verify")).json()
    assert body["ok"] is True and body["verified"] is True and body["stored_ok"] is True
    assert body["status"] == "intact"
    home = client.get(reverse("core:home"))
    panel = next(p for p in home.context["panels"] if str(p.title) == "Audit chain")
    assert panel.tone == "success" and str(panel.note).startswith("Intact")
    events = client.get(reverse("audit:event_list")).content.decode()
    assert "Chain intact" in events


def test_a_forged_row_inserted_directly_is_not_shown_as_intact(client, world):
    run_verification()
    forged = _forged_row()
    body = _page(client, world)
    assert "Chain intact" not in body
    assert "Result not verified" in body and "not verified" in body
    api = api_client(world.oversight, justification=None).get(reverse("audit-verify")).json()
    assert api["ok"] is False and api["verified"] is False and api["stored_ok"] is True
    assert api["status"] == "not_verified"
    assert api["started_at"].startswith(forged.started_at.strftime("%Y-%m-%dT%H:%M"))
    home = client.get(reverse("core:home"))
    panel = next(p for p in home.context["panels"] if str(p.title) == "Audit chain")
    assert panel.tone == "danger" and "not verified" in str(panel.note)
    assert "Chain intact" not in client.get(reverse("audit:event_list")).content.decode()


def test_a_forged_row_with_a_made_up_signature_and_event_is_not_trusted(client, world):
    """Without the secret key a signature cannot be made, even with an event to match it."""
    forged = _forged_row(signature="ab" * 32)
    services.record(
        Action.JOB_RUN,
        object_type=CHECK_OBJECT_TYPE,
        object_id=forged.pk,
        details={"ok": True, "signature": forged.signature},
    )
    assert "Chain intact" not in _page(client, world)
    api = api_client(world.oversight, justification=None).get(reverse("audit-verify")).json()
    assert api["ok"] is False and api["verified"] is False


def test_a_genuine_failure_altered_to_intact_is_not_trusted(client, world):
    services.record(Action.VIEW, object_type="test.trust", object_id="2")
    _result, check = run_verification()
    IntegrityCheck.objects.filter(pk=check.pk).update(ok=False, message="chain broken")
    assert "Chain broken" not in _page(client, world)  # the genuine row now fails its signature
    IntegrityCheck.objects.filter(pk=check.pk).update(ok=True, message=check.message)
    assert "Chain intact" in _page(client, world)  # restored exactly: it verifies again


def test_a_signed_row_whose_event_is_missing_is_not_trusted(client, world):
    """A genuine row copied (same fields and signature) has no event of its own."""
    _result, check = run_verification()
    copy = IntegrityCheck.objects.get(pk=check.pk)
    copy.pk = None
    copy.save()
    api = api_client(world.oversight, justification=None).get(reverse("audit-verify")).json()
    assert api["verified"] is False and api["ok"] is False


def test_a_row_signed_before_the_secret_key_was_rotated_still_verifies(client, world, settings):
    run_verification()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert "Chain intact" in _page(client, world)
    settings.SECRET_KEY_FALLBACKS = []
    assert "Chain intact" not in _page(client, world)


def test_the_integrity_page_reads_the_events_of_ten_rows_in_one_query(
    client, world, django_assert_max_num_queries
):
    for _ in range(3):
        run_verification()
    client.force_login(world.oversight)
    client.get(reverse("audit:integrity"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("audit:integrity"))
    assert all(c.verified for c in response.context["checks"])
