"""Packages between installations: what we send opens only at the partner and carries mapped
grading and data-quality statements; what a partner sends lands in intake with provenance;
every refusal is clear, audited and stores nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from exchange import crypto, services
from exchange import package as pkg
from exchange.models import ExchangePackage, ReceivedPackage
from ilp_platform.core.jobs import JobStatus
from intelligence.models import Entity, Link, Provenance, Report
from intelligence.services.reports import evaluate_report
from tests.exchange.helpers import (
    LEGAL_BASIS,
    linked_reports,
    make_partner,
    own_keys,
    sample_document,
    sealed_from,
)
from tests.intelligence.helpers import as_user, make_report

pytestmark = pytest.mark.django_db


def _send(world, side, reports, capture, **extra):
    with as_user(world.analyst), capture(execute=True):
        package = services.request_package(
            actor=world.analyst,
            partner=side.partner,
            reports=reports,
            legal_basis=LEGAL_BASIS,
            **extra,
        )
    package.refresh_from_db()
    return package


def test_a_package_opens_only_with_the_partners_key_and_carries_mapped_grading(
    world, django_capture_on_commit_callbacks
):
    key = own_keys()
    side = make_partner(world, scheme="5x5x5")
    reports = linked_reports(world)
    package = _send(world, side, reports, django_capture_on_commit_callbacks)
    assert package.status == JobStatus.SUCCEEDED, package.message
    raw = services.package_bytes(package)

    head = pkg.read_envelope(raw)
    assert head["recipient"] == side.partner.fingerprint
    assert head["sender"] == key.fingerprint
    with pytest.raises(pkg.Refused):  # another key cannot open it
        pkg.open_sealed(
            head,
            own=crypto.PrivateIdentity.generate(),
            sender=crypto.parse_public_key(key.public_key),
        )
    document = pkg.open_sealed(
        head, own=side.identity, sender=crypto.parse_public_key(key.public_key)
    )
    assert [r["reference"] for r in document["reports"]] == [r.urn for r in reports]
    item = document["reports"][0]
    # 3x5x2 "2B P" carried into 5x5x5: untested source E, corroborated 3, handling code 1.
    assert item["grading"] == {
        "scheme": "5x5x5",
        "source_evaluation": "E",
        "intelligence_assessment": "3",
        "handling_code": "1",
        "handling_conditions": "",
    }
    assert item["grading_as_given"]["scheme"] == "3x5x2"
    assert item["text"] == reports[0].sanitised_text  # never the original text
    assert "covert source" not in raw.decode() and "covert source" not in json.dumps(document)
    assert set(item["data_quality"]) >= {"accuracy", "completeness", "reliability"}
    assert {e["name"] for e in document["entities"]} == {"Alan Smith", "Bea Jones"}
    assert document["links"][0]["reports"] == sorted(r.urn for r in reports)

    disclosure = AuditEvent.objects.get(action=Action.DISCLOSE, outcome=Outcome.SUCCESS)
    assert disclosure.recipient == side.partner.name
    assert disclosure.details["legal_basis"] == LEGAL_BASIS
    assert disclosure.details["reports"] == [r.urn for r in reports]


def test_a_grade_without_faithful_counterpart_waits_for_the_senders_choice(
    world, django_capture_on_commit_callbacks
):
    key = own_keys()
    side = make_partner(world, scheme="4x4")
    # 3x5x2 intelligence D ("not known") has no 4x4 counterpart.
    report = make_report(world, intelligence_assessment="D")
    with as_user(world.analyst), pytest.raises(ValidationError) as refused:
        services.request_package(
            actor=world.analyst, partner=side.partner, reports=[report], legal_basis=LEGAL_BASIS
        )
    message = " ".join(refused.value.message_dict["grading_choices"])
    assert report.urn in message and "choose one of 1, 2, 3, 4" in message
    assert not ExchangePackage.objects.exists()
    refusal = AuditEvent.objects.get(action=Action.DISCLOSE, outcome=Outcome.DENIED)
    assert refusal.recipient == side.partner.name

    package = _send(
        world,
        side,
        [report],
        django_capture_on_commit_callbacks,
        grading_choices={report.urn: {"intelligence_assessment": "4"}},
    )
    assert package.status == JobStatus.SUCCEEDED, package.message
    document = pkg.open_sealed(
        pkg.read_envelope(services.package_bytes(package)),
        own=side.identity,
        sender=crypto.parse_public_key(key.public_key),
    )
    assert document["reports"][0]["grading"]["intelligence_assessment"] == "4"
    assert document["reports"][0]["grading_chosen_by_sender"] == ["intelligence_assessment"]


def test_reports_outside_what_the_partner_may_receive_are_refused_by_name(world):
    own_keys()
    side = make_partner(world, scheme="3x5x2", sendable=[])
    blocked = make_report(world)
    with as_user(world.analyst), pytest.raises(ValidationError) as refused:
        services.request_package(
            actor=world.analyst, partner=side.partner, reports=[blocked], legal_basis=""
        )
    errors = refused.value.message_dict
    assert "legal_basis" in errors
    assert "may not be sent" in " ".join(errors["reports"])


def test_a_received_package_lands_in_intake_with_provenance_and_conditions(world):
    key = own_keys()
    side = make_partner(world)
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), sample_document())
    before = Report.objects.count()
    received = services.receive(raw, channel="upload", actor=world.analyst)
    assert received.report_count == 1 and received.entity_count == 2
    report = Report.objects.get(pk=received.report_ids[0])
    assert Report.objects.count() == before + 1
    assert report.status == "submitted" and report.compartment == world.general
    assert (
        report.grading_scheme,
        report.source_evaluation,
        report.intelligence_assessment,
        report.handling_code,
    ) == ("3x5x2", "1", "B", "C")
    provenance = Provenance.objects.get(report=report)
    assert provenance.channel == "partner_exchange"
    assert provenance.originator == side.partner.name
    assert provenance.original_reference == "NL-2026-0042"
    assert provenance.grading_as_given == "B3 3 (5x5x5)"
    assert provenance.conditions == ["originator_consent"]
    assert provenance.data_quality["reliability"] == "Mostly reliable"
    person = Entity.objects.get(name="Jan de Vries")
    assert person.compartment == world.general
    assert Link.objects.get(from_entity=person).reports.get() == report
    collected = AuditEvent.objects.get(
        object_type="exchange.receivedpackage", outcome=Outcome.SUCCESS
    )
    assert collected.details["reports"] == [report.urn]
    assert collected.details["partner"] == side.partner.name


def _refused(raw, code, world, channel="push"):
    reports, received = Report.objects.count(), ReceivedPackage.objects.count()
    with pytest.raises(pkg.Refused) as refused:
        services.receive(raw, channel=channel, actor=None)
    assert refused.value.code == code, refused.value.message
    assert Report.objects.count() == reports and ReceivedPackage.objects.count() == received
    event = AuditEvent.objects.filter(
        object_type="exchange.receivedpackage", outcome=Outcome.DENIED
    ).latest("id")
    assert event.details["refused"] == code
    return refused.value.message


def test_each_bad_package_is_refused_with_a_clear_message_and_nothing_stored(world):
    key = own_keys()
    own_public = crypto.parse_public_key(key.public_key)
    side = make_partner(world)
    stranger = crypto.PrivateIdentity.generate()

    # Unknown sender: a key no partner is registered with.
    from tests.exchange.helpers import PartnerSide

    unknown = PartnerSide(partner=side.partner, identity=stranger)
    message = _refused(sealed_from(unknown, own_public, sample_document()), "unknown_sender", world)
    assert "not a registered partner" in message

    # Bad signature: claims to be the partner, signed with another key.
    raw = sealed_from(side, own_public, sample_document(), signer=stranger)
    assert "signature" in _refused(raw, "bad_signature", world)

    # Altered bytes: one byte of the sealed content changed in transit.
    good = sealed_from(side, own_public, sample_document())
    envelope = json.loads(good)
    sealed = bytearray(base64.b64decode(envelope["sealed"]))
    sealed[len(sealed) // 2] ^= 0x01
    envelope["sealed"] = base64.b64encode(bytes(sealed)).decode()
    assert "changed" in _refused(json.dumps(envelope).encode(), "altered", world)

    # Altered envelope: a later expiry written over the signed one.
    envelope = json.loads(good)
    envelope["expires_at"] = "2099-01-01T00:00:00Z"
    assert "expires_at" in _refused(json.dumps(envelope).encode(), "altered", world)

    # Not addressed to this installation.
    other = crypto.PrivateIdentity.generate().public
    raw = sealed_from(side, own_public, sample_document(), recipient=other)
    assert "not to this installation" in _refused(raw, "not_addressed", world)

    # Expired.
    raw = sealed_from(side, own_public, sample_document(), expires_in=-dt.timedelta(hours=1))
    assert "expired" in _refused(raw, "expired", world)

    # Replayed: the good package is taken in once, then refused.
    services.receive(good, channel="push", actor=None)
    assert "already received" in _refused(good, "replayed", world)

    # Not a package at all.
    assert "not an exchange package" in _refused(b"hello", "malformed", world)


def test_onward_sharing_against_the_originators_condition_is_refused(
    world, django_capture_on_commit_callbacks
):
    key = own_keys()
    side = make_partner(world, scheme="3x5x2")
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), sample_document())
    received = services.receive(raw, channel="upload", actor=world.analyst)
    report = Report.objects.get(pk=received.report_ids[0])
    with as_user(world.analyst2):
        evaluate_report(
            report,
            actor=world.analyst2,
            grading_data={},
            sanitised_text="A van collects cash at the harbour.",
        )
    onward = make_partner(world, name="Guardia Civil", scheme="3x5x2")
    with as_user(world.analyst), pytest.raises(ValidationError) as refused:
        services.request_package(
            actor=world.analyst,
            partner=onward.partner,
            reports=[report],
            legal_basis=LEGAL_BASIS,
            conditions_acknowledged=True,
        )
    assert "consent" in " ".join(refused.value.message_dict["reports"])
    assert not ExchangePackage.objects.exists()
