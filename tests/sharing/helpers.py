"""The levels of the demo (``sharing.seed.build_structure``) on top of the test world: a
national hub above the North region, which is above the local units (``intel`` holds
``general``); people of the national and regional units."""

from __future__ import annotations

from dataclasses import dataclass

from audit.services import service_scope
from ilp_platform.accounts.models import Compartment, Unit, User
from sharing import services
from sharing.seed import build_structure
from tests.intelligence.helpers import as_user
from tests.utils.world import PASSWORD

RISKS = {"risk_to_source": "low", "risk_to_operation": "none", "risk_to_person": "low"}
LEGAL_BASIS = "DPA 2018 s.35"


@dataclass
class Levels:
    national: Unit
    north: Unit
    intel: Unit
    national_intake: Compartment
    north_intake: Compartment
    national_analyst: User
    national_manager: User
    regional_analyst: User
    regional_manager: User


def build_levels(world) -> Levels:
    with service_scope():
        people = build_structure(PASSWORD)
    return Levels(
        national=Unit.objects.get(code="national"),
        north=Unit.objects.get(code="region-north"),
        intel=Unit.objects.get(code="intel"),
        national_intake=Compartment.objects.get(slug="national"),
        north_intake=Compartment.objects.get(slug="region-north"),
        **people,
    )


def share(report, sender, to_unit, **extra):
    data = {**RISKS, "legal_basis": LEGAL_BASIS, **extra}
    with as_user(sender):
        return services.share_report(report, actor=sender, to_unit=to_unit, **data)
