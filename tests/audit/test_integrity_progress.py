"""'Verify now' shows that the verification runs and then its result without a reload; a fresh
installation's first worker runs the first verification."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from audit import tasks
from audit.integrity import run_verification
from audit.models import IntegrityCheck

PAGE = "audit:integrity"


def _ms(when) -> int:
    return int(when.timestamp() * 1000)


def test_verify_now_comes_back_to_the_page_with_the_result(world, client):
    client.force_login(world.oversight)
    response = client.post(reverse("audit:integrity_run"), follow=True)
    # The embedded test setting runs the task at once: the result is there on arrival.
    assert "requested=" in response.redirect_chain[-1][0]
    assert response.context["waiting"] is False
    body = response.content.decode()
    panel = body.split('id="latest-verification"')[1][:400]
    assert "Chain intact" in body and "hx-get" not in panel
    assert IntegrityCheck.objects.count() == 1


def test_while_the_asked_for_verification_runs_the_panel_polls_then_shows_it(world, client):
    client.force_login(world.oversight)
    run_verification()  # an older result
    old = IntegrityCheck.objects.get()
    IntegrityCheck.objects.filter(pk=old.pk).update(started_at=old.started_at - timedelta(hours=1))
    url = f"{reverse(PAGE)}?requested={_ms(timezone.now())}"
    page = client.get(url)
    assert page.context["waiting"] is True and page.context["overdue"] is False
    panel = page.content.decode().split('id="latest-verification"')[1][:600]
    assert "hx-get" in panel and "every 2s" in panel
    assert "Verifying the chain" in page.content.decode()
    assert "Verify now" not in panel  # no second request while one runs

    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.templates[0].name == "audit/_integrity_latest.html"
    assert "Verifying the chain" in polled.content.decode()

    assert "recent-verifications" not in polled.content.decode()

    run_verification()  # the worker finishes
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Chain intact" in done and "hx-get" not in done and "Verify now" in done
    # The table of recent verifications comes along, out of band, with both results.
    table = done.split('id="recent-verifications"')[1]
    assert 'hx-swap-oob="true"' in table[:80]
    assert table.count("chain intact") == 2


def test_a_verification_that_never_comes_is_said_so_after_ten_minutes(world, client):
    client.force_login(world.oversight)
    url = f"{reverse(PAGE)}?requested={_ms(timezone.now() - timedelta(minutes=11))}"
    page = client.get(url)
    assert page.context["overdue"] is True
    body = page.content.decode()
    assert "has not finished yet" in body and "every 2s" not in body


def test_a_bad_or_future_requested_value_is_ignored(world, client):
    client.force_login(world.oversight)
    for value in ("x", "99999999999999999999", str(_ms(timezone.now() + timedelta(days=1)))):
        page = client.get(reverse(PAGE), {"requested": value})
        assert page.status_code == 200 and page.context["waiting"] is False


def test_the_first_worker_of_a_fresh_installation_runs_the_first_verification(world):
    assert not IntegrityCheck.objects.exists()
    assert tasks.verify_a_fresh_installation() is True
    assert IntegrityCheck.objects.count() == 1
    with mock.patch.object(tasks.verify_audit_chain, "delay") as sent:
        assert tasks.verify_a_fresh_installation() is False
    sent.assert_not_called()
