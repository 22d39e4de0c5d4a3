"""Provenance of received intelligence: recorded with a collection event, shown on the report
page, and the originator's consent condition holding back onward sharing until recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.choices import Action
from audit.models import AuditEvent
from intelligence import provenance
from intelligence.models import ORIGINATOR_CONSENT, Provenance, ProvenanceChannel
from tests.intelligence.helpers import as_user, make_report

pytestmark = pytest.mark.django_db


def _received(world, **extra):
    report = make_report(world)
    with as_user(world.analyst):
        row = provenance.record_received(
            report,
            channel=ProvenanceChannel.PARTNER_EXCHANGE,
            originator="Border Agency",
            original_reference="BA-2026-17",
            grading_as_given="B2 H2",
            conditions=[ORIGINATOR_CONSENT, "law_enforcement_only"],
            data_quality={"accuracy": "verified"},
            actor=world.analyst,
            **extra,
        )
    return report, row


def test_received_report_keeps_its_provenance_shows_it_and_refuses_onward_until_consent(
    world, login
):
    report, row = _received(world)
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="intelligence.provenance")
    assert event.details["original_reference"] == "BA-2026-17"
    assert event.details["conditions"] == [ORIGINATOR_CONSENT, "law_enforcement_only"]

    page = login(world.analyst).get(report.get_absolute_url())
    assert b"Border Agency" in page.content and b"BA-2026-17" in page.content
    assert b"B2 H2" in page.content and b"originator&#x27;s consent" in page.content

    with pytest.raises(ValidationError) as refused:
        provenance.check_onward_sharing(report)
    assert refused.value.code == ORIGINATOR_CONSENT and "Border Agency" in refused.value.message

    with as_user(world.analyst), pytest.raises(ValidationError):
        provenance.record_consent(report, actor=world.analyst, note="  ")
    with as_user(world.analyst):
        provenance.record_consent(report, actor=world.analyst, note="Agreed by phone, duty officer")
    provenance.check_onward_sharing(report)  # no longer refused
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="intelligence.provenance", object_id=str(row.pk)
    ).exists()


def test_bad_provenance_names_each_field_and_saves_nothing(world):
    report = make_report(world)
    with as_user(world.analyst), pytest.raises(ValidationError) as refused:
        provenance.record_received(
            report,
            channel="carrier_pigeon",
            originator=" ",
            original_reference="",
            grading_as_given="",
            actor=world.analyst,
        )
    assert {"channel", "originator", "original_reference"} <= set(refused.value.message_dict)
    assert not Provenance.objects.filter(report=report).exists()
