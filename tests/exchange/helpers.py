"""Building exchange records for the tests: this installation's keys, a partner whose private
key the test holds (so it can open what we send and sign what it sends us), packages."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from exchange import crypto, services
from exchange import package as pkg
from exchange.models import Partner
from ilp_platform.core import context
from tests.intelligence.helpers import as_user, make_entity, make_report

LEGAL_BASIS = "DPA 2018 s.35 and the 2026 cooperation agreement, art. 4"


@dataclass
class PartnerSide:
    partner: Partner
    identity: crypto.PrivateIdentity


def own_keys():
    with context.acting(user=None, via="test"):
        key, _ = services.create_keys(actor=None)
    return key


def make_partner(
    world,
    *,
    name="Politie Rotterdam",
    scheme="5x5x5",
    handling=None,
    sendable=None,
    intake=None,
    **extra,
) -> PartnerSide:
    identity = crypto.PrivateIdentity.generate()
    data = {
        "name": name,
        "country": "nl",
        "contact": "Liaison desk, +31 10 000 0000",
        "public_key": identity.public.text,
        "grading_scheme": scheme,
        "handling_codes": handling or [],
        "intake_compartment": intake or world.general,
        "sendable_compartments": sendable if sendable is not None else [world.general],
        **extra,
    }
    with as_user(world.admin):
        partner = services.register_partner(actor=world.admin, data=data)
    return PartnerSide(partner=partner, identity=identity)


def linked_reports(world, count=2):
    """Evaluated reports of ``general`` naming two linked people."""
    from intelligence.services.entities import create_link, link_entity_to_report

    one = make_entity(world, name="Alan Smith", identifiers=[("phone", "07700 900123")])
    two = make_entity(world, name="Bea Jones")
    reports = [
        make_report(world, sanitised=f"Alan Smith deals in Easton ({n}).") for n in range(count)
    ]
    with as_user(world.analyst):
        for report in reports:
            link_entity_to_report(report, one, actor=world.analyst, subject_category="suspect")
            link_entity_to_report(report, two, actor=world.analyst, subject_category="other")
        create_link(
            actor=world.analyst,
            from_entity=one,
            to_entity=two,
            kind="associate",
            strength="confirmed",
            reports=reports,
        )
    return reports


def sealed_from(
    side: PartnerSide,
    own_public: crypto.PublicIdentity,
    document: dict,
    *,
    package_id=None,
    expires_in=dt.timedelta(days=3),
    signer=None,
    recipient=None,
) -> bytes:
    """A package as the partner sends it to us: ``document``'s content under a fresh header."""
    now = timezone.now()
    head = pkg.header(
        package_id=package_id or uuid.uuid4(),
        sender=side.identity.public.fingerprint,
        recipient=(recipient or own_public).fingerprint,
        created_at=now - dt.timedelta(minutes=1),
        expires_at=now + expires_in,
    )
    body = {k: v for k, v in document.items() if k not in pkg.HEADER_FIELDS}
    return pkg.seal(
        {**head, **body}, signer=signer or side.identity, recipient=recipient or own_public
    )


def sample_document() -> dict:
    """What a partner on the 5x5x5 scheme might send: one report naming two linked people."""
    return {
        "legal_basis": "Cooperation agreement art. 4",
        "reports": [
            {
                "reference": "NL-2026-0042",
                "text": "A white van, NL plate 12-ABC-3, collects cash at the harbour on Fridays.",
                "occurred_at": "2026-11-20T21:00:00Z",
                "occurred_from": None,
                "occurred_to": None,
                "place_name": "Waalhaven",
                "latitude": 51.89,
                "longitude": 4.44,
                "grading": {
                    "scheme": "3x5x2",
                    "source_evaluation": "1",
                    "intelligence_assessment": "B",
                    "handling_code": "C",
                    "handling_conditions": "Not for court use without consent.",
                },
                "grading_as_given": {
                    "scheme": "5x5x5",
                    "source_evaluation": "B",
                    "intelligence_assessment": "3",
                    "handling_code": "3",
                },
                "grading_chosen_by_sender": [],
                "conditions": ["originator_consent"],
                "data_quality": {
                    "reliability": "Mostly reliable",
                    "accuracy": "Corroborated",
                    "completeness": "Sanitised extract",
                },
                "entities": [
                    {"entity": "E1", "subject_category": "suspect", "is_assessment": False},
                    {"entity": "E2", "subject_category": "other", "is_assessment": True},
                ],
            }
        ],
        "entities": [
            {
                "ref": "E1",
                "kind": "person",
                "name": "Jan de Vries",
                "date_of_birth": "1980-02-03",
                "description": "",
                "identifiers": [{"kind": "phone", "value": "+31 6 1234 5678"}],
            },
            {
                "ref": "E2",
                "kind": "vehicle",
                "name": "12-ABC-3",
                "date_of_birth": None,
                "description": "White van",
                "identifiers": [],
            },
        ],
        "links": [
            {
                "from": "E1",
                "to": "E2",
                "kind": "uses",
                "strength": "tentative",
                "reports": ["NL-2026-0042"],
            }
        ],
    }


def built_package(world, compartment):
    """A package of one evaluated report of ``compartment``, built (the job run here)."""
    from exchange.models import ExchangePackage
    from ilp_platform.core import jobs

    if services.current_key() is None:
        own_keys()
    side = make_partner(
        world,
        name=f"Package partner {uuid.uuid4().hex[:8]}",
        scheme="3x5x2",
        intake=compartment,
        sendable=[compartment],
    )
    report = make_report(world, compartment)
    with as_user(world.analyst):
        package = services.request_package(
            actor=world.analyst, partner=side.partner, reports=[report], legal_basis=LEGAL_BASIS
        )
    jobs.execute(
        ExchangePackage,
        package.pk,
        services.build_package,
        on_success=services.package_built,
        on_failure=services.package_failed,
    )
    package.refresh_from_db()
    return package


def received_package(world, compartment):
    """A package taken in from a partner whose reports land in ``compartment``."""
    key = services.current_key() or own_keys()
    side = make_partner(world, name=f"Sending partner {uuid.uuid4().hex[:8]}", intake=compartment)
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), sample_document())
    with context.acting(user=None, via="test"):
        return services.receive(raw, channel="push", actor=None)
