"""Building intelligence records the way the platform does: through the services."""

from __future__ import annotations

from ilp_platform.core import context
from intelligence.models import CrimeType, Entity, Incident, Report, Source
from intelligence.services.entities import create_entity
from intelligence.services.incidents import record_incident
from intelligence.services.reports import create_report, evaluate_report
from intelligence.services.sources import register_source

GRADING_3X5X2 = {
    "grading_scheme": "3x5x2",
    "source_evaluation": "2",
    "intelligence_assessment": "B",
    "handling_code": "P",
    "handling_conditions": "",
}


def as_user(user):
    return context.acting(user=user, justification="test setup")


def make_report(
    world,
    compartment=None,
    *,
    submitter=None,
    evaluator=None,
    evaluate: bool = True,
    text: str = "Original: covert source X saw Alan Smith dealing at the Red Lion.",
    sanitised: str = "Alan Smith is dealing drugs at a pub in Easton.",
    special: bool = False,
    source: Source | None = None,
    **grading,
) -> Report:
    compartment = compartment or world.general
    if submitter is None:
        submitter = world.officer if compartment == world.general else world.handler
    data = {
        **GRADING_3X5X2,
        **grading,
        "compartment": compartment,
        "text": text,
        "has_special_category": special,
        "source": source,
    }
    with as_user(submitter):
        report = create_report(actor=submitter, data=data, submit=True)
    if evaluate:
        evaluator = evaluator or world.analyst
        with as_user(evaluator):
            evaluate_report(report, actor=evaluator, grading_data={}, sanitised_text=sanitised)
    report.refresh_from_db()
    return report


def make_entity(world, compartment=None, name="Alan Smith", kind="person", **data) -> Entity:
    identifiers = data.pop("identifiers", ())
    with as_user(world.analyst):
        return create_entity(
            actor=world.analyst,
            data={"kind": kind, "name": name, "compartment": compartment or world.general, **data},
            identifiers=identifiers,
            allow_duplicate=True,
        )


def make_source(world, compartment=None, reference="SRC-T1", handler=None, **data) -> Source:
    with as_user(world.analyst):
        return register_source(
            actor=world.analyst,
            data={
                "reference": reference,
                "source_type": "chis",
                "compartment": compartment or world.general,
                "handler": handler if handler is not None else world.handler,
                "identity_name": "Jane Informant",
                "identity_details": "Lives at 1 Secret Street",
                **data,
            },
        )


def make_incident(world, compartment=None, reference="INC-T-1", **data) -> Incident:
    from django.utils import timezone

    with as_user(world.analyst):
        return record_incident(
            actor=world.analyst,
            data={
                "reference": reference,
                "crime_type": CrimeType.objects.get(slug="burglary"),
                "occurred_from": timezone.now(),
                "latitude": 51.45,
                "longitude": -2.59,
                "address": "1 High Street",
                "compartment": compartment or world.general,
                **data,
            },
        )
