"""The inbox against hostile pushes (no account): odd or huge headers are refused with a small
audit event and nothing of them echoed, deep nesting is a refusal not a crash, a package over
the request-size setting is still read while one over the package limit answers 413, pushes are
throttled, a push's answer names nothing of this installation; and the partner register names
only the compartments its reader holds."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from audit.choices import Outcome
from audit.models import AuditEvent
from exchange import crypto
from exchange import package as pkg
from exchange.api import views as api_views
from tests.exchange.helpers import make_partner, own_keys, sample_document, sealed_from
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/exchange/inbox/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _push(body: bytes):
    return APIClient().post(INBOX, body, content_type="application/json")


def _refusals():
    return AuditEvent.objects.filter(
        object_type="exchange.receivedpackage", outcome=Outcome.DENIED
    ).order_by("id")


def _envelope(**fields) -> bytes:
    head = {
        "format": pkg.FORMAT,
        "version": 1,
        "package_id": "0b4f2c9e-8a63-4bd1-9a3e-2f1f6f1d4a10",
        "sender": "ab12 " * 16,
        "recipient": "cd34 " * 16,
        "created_at": "2026-12-01T10:00:00Z",
        "expires_at": "2099-12-01T10:00:00Z",
        "sealed": "AAAA",
    }
    return json.dumps({**head, **fields}).encode()


def test_huge_or_odd_headers_are_refused_small_and_never_echoed():
    own_keys()
    huge = "A" * 300_000
    for fields in ({"sender": huge}, {"recipient": huge}, {"created_at": huge}, {"version": [1]}):
        assert _push(_envelope(**fields)).status_code == 401
    # A recipient of the right shape but another key's: refused without repeating it.
    other = crypto.PrivateIdentity.generate().public.fingerprint
    answer = _push(_envelope(recipient=other))
    assert answer.json()["refused"] == "not_addressed"
    assert other not in answer.content.decode()
    events = list(_refusals())
    assert len(events) == 5
    assert all(len(json.dumps(e.details)) + len(e.object_repr) < 2000 for e in events)


def test_deep_nesting_is_a_refusal_not_a_crash(world, login):
    assert _push(b"[" * 200_000).status_code == 401
    assert _refusals().get().details["refused"] == "malformed"
    page = login(world.analyst).post(
        reverse("exchange:inbox_upload"),
        {"file": SimpleUploadedFile("deep.json", b"[" * 200_000)},
    )
    assert page.status_code == 200 and "not an exchange package" in page.content.decode()


def test_a_push_over_the_request_size_setting_is_read_and_one_over_the_limit_is_413(
    world, monkeypatch
):
    key = own_keys()
    side = make_partner(world)
    body = _envelope(
        sender=side.identity.public.fingerprint, recipient=key.fingerprint, sealed="A" * 11_000_000
    )
    answer = _push(body)
    assert answer.status_code == 400 and answer.json()["refused"] == "altered"
    monkeypatch.setattr(api_views, "MAX_PACKAGE_BYTES", 10_000)
    too_large = _push(body)
    assert too_large.status_code == 413 and too_large.json()["refused"] == "too_large"


@override_settings(EXCHANGE_PUSH_RATE="2/hour")
def test_anonymous_pushes_are_throttled():
    assert [_push(b"{}").status_code for _ in range(3)] == [401, 401, 429]


def test_a_push_answer_names_nothing_of_this_installation(world):
    key = own_keys()
    side = make_partner(world, intake=world.restricted)
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), sample_document())
    answer = _push(raw)
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "package_id": json.loads(raw)["package_id"],
        "status": "received",
        "report_count": 1,
        "entity_count": 2,
        "link_count": 1,
    }


def test_the_register_names_only_compartments_the_reader_holds(world, login):
    side = make_partner(world, intake=world.restricted, sendable=[world.general, world.restricted])
    url = f"/api/v1/exchange/partners/{side.partner.pk}/"
    seen = api_client(world.analyst2).get(url).json()
    assert (seen["intake_compartment"], seen["sendable_compartments"]) == (None, ["general"])
    assert seen["other_compartments"] == 1
    listed = api_client(world.analyst2).get("/api/v1/exchange/partners/").json()["results"]
    assert "restricted" not in json.dumps(listed)
    holder = api_client(world.analyst).get(url).json()
    assert holder["intake_compartment"] == "restricted" and holder["other_compartments"] == 0
    # The administrators managing the register see what they set, held or not.
    assert api_client(world.admin).get(url).json()["intake_compartment"] == "restricted"

    client = login(world.analyst2)
    for page in (
        client.get(reverse("exchange:partner_list")),
        client.get(side.partner.get_absolute_url()),
    ):
        assert page.status_code == 200
        assert world.restricted.name not in page.content.decode()
    detail = client.get(side.partner.get_absolute_url()).content.decode()
    assert "1 other compartment you do not hold" in detail
