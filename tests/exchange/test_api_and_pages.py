"""The exchange through the API and the pages: the register checks a partner's key, the push
is authenticated by the package's signature, the package form asks the sender to choose where
no faithful grade exists, and a package written here matches the published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from exchange import crypto, services
from exchange import package as pkg
from exchange.models import ReceivedPackage
from tests.exchange.helpers import (
    LEGAL_BASIS,
    built_package,
    make_partner,
    own_keys,
    sample_document,
    sealed_from,
)
from tests.intelligence.helpers import make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "exchange-package.schema.json"


def test_a_partner_with_a_bad_key_is_refused_naming_the_field(world):
    client = api_client(world.admin)
    response = client.post(
        "/api/v1/exchange/partners/",
        {
            "name": "X",
            "country": "NL",
            "contact": "desk",
            "public_key": "ilp-exchange-1:abc",
            "grading_scheme": "4x4",
            "handling_codes": ["P"],
            "intake_compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"public_key", "handling_codes"}
    officer = api_client(world.officer).get("/api/v1/exchange/partners/")
    assert officer.status_code == 403


def test_a_push_needs_no_account_but_a_signed_package(world):
    key = own_keys()
    side = make_partner(world)
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), sample_document())
    anonymous = APIClient()
    response = anonymous.post("/api/v1/exchange/inbox/", raw, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "received"
    received = ReceivedPackage.objects.get()
    assert received.received_by is None and received.channel == "push"

    again = anonymous.post("/api/v1/exchange/inbox/", raw, content_type="application/json")
    assert again.status_code == 400 and again.json()["refused"] == "replayed"
    garbage = anonymous.post("/api/v1/exchange/inbox/", b"{}", content_type="application/json")
    assert garbage.status_code == 401


def test_the_package_form_asks_the_sender_to_choose_where_no_faithful_grade_exists(
    world, login, django_capture_on_commit_callbacks
):
    own_keys()
    side = make_partner(world, scheme="4x4")
    report = make_report(world, intelligence_assessment="D")
    client = login(world.analyst)
    form = {
        "partner": side.partner.pk,
        "reports": report.urn,
        "legal_basis": LEGAL_BASIS,
        "valid_days": 14,
    }
    page = client.post(reverse("exchange:package_create"), form)
    assert page.status_code == 200
    text = page.content.decode()
    assert f'name="choice:{report.urn}:intelligence_assessment"' in text
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("exchange:package_create"),
            {**form, f"choice:{report.urn}:intelligence_assessment": "4"},
        )
    assert done.status_code == 302
    detail = client.get(done["Location"])
    assert "Succeeded" in detail.content.decode() or "succeeded" in detail.content.decode()


def test_a_package_document_matches_the_published_schema(world):
    package = built_package(world, world.general)
    side_key = package.partner.public_key
    assert side_key  # the test partner's private key is not kept: open as the partner below
    raw = services.package_bytes(package)
    head = pkg.read_envelope(raw)
    assert {k for k in head if k != "sealed"} == set(pkg.HEADER_FIELDS)
    # The document as the partner sees it: rebuilt from the job's own selection.
    from exchange import content

    check = content.check_selection(
        world.analyst,
        partner=package.partner,
        report_ids=package.params["reports"],
        legal_basis=package.legal_basis,
        conditions=[],
        grading_choices={},
        conditions_acknowledged=False,
    )
    document = content.build_document(
        world.analyst, package, {k: head[k] for k in pkg.HEADER_FIELDS}, check
    )
    jsonschema.validate(json.loads(pkg.dumps(document)), json.loads(SCHEMA.read_text()))
    content.check_document(document)  # what we write, we read


def test_a_refused_request_through_the_api_keeps_its_denied_disclosure_event(world):
    from audit.models import AuditEvent

    own_keys()
    side = make_partner(world, scheme="3x5x2", sendable=[])
    report = make_report(world)
    response = api_client(world.analyst).post(
        "/api/v1/exchange/packages/",
        {"partner": side.partner.pk, "reports": [report.pk], "legal_basis": LEGAL_BASIS},
        format="json",
    )
    assert response.status_code == 400 and "reports" in response.json()
    refused = AuditEvent.objects.get(action="disclose", outcome="denied")
    assert refused.recipient == side.partner.name
