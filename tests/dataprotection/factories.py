"""Records of the dataprotection app for tests: an impact assessment, a pack of an operation."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from dataprotection import services
from dataprotection.models import ProcessingRecord
from tests.intelligence.helpers import as_user

HOTSPOT = "analysis.hotspot"
_serial = itertools.count(1)


def operation(world, compartment, **data):
    """An operation of the compartment with a reference no other factory uses."""
    from operations.services import open_operation

    n = next(_serial)
    with as_user(world.analyst):
        return open_operation(
            actor=world.analyst,
            data={
                "name": f"Data-protection test operation {n}",
                "reference": f"OP-DP-{n}",
                "compartment": compartment,
                **data,
            },
        )


def record(activity: str = HOTSPOT) -> ProcessingRecord:
    return ProcessingRecord.objects.get(activity=activity)


def assessment(world, author=None, **data):
    author = author or world.admin
    fields = {
        "record": record(),
        "title": "Hotspot analysis DPIA",
        "risks": "Patrols follow past patrols (feedback loop).",
        "measures": "Feedback-loop check on every hotspot job.",
        "review_due": timezone.localdate() + timedelta(days=180),
        **data,
    }
    with as_user(author):
        return services.create_assessment(actor=author, data=fields)


def pack_of(world, subject, subject_type: str = "operation"):
    reference = subject.reference if subject_type == "operation" else str(subject.pk)
    with as_user(world.oversight):
        return services.produce_pack(
            actor=world.oversight, subject_type=subject_type, subject=reference
        )
