"""Demo levels: a national unit (with an international liaison desk), two regional units and
the existing local units below the first, their intake compartments and people; a national
requirement and a priority of the national control strategy flowing down (the priority adopted
by the North region, awaiting the South's decision) and reports flowing up. Through the
services; idempotent.

People added (same ``DEMO_PASSWORD``): ``national_analyst``, ``national_manager`` (national
intake), ``regional_analyst``, ``regional_manager`` (North region's compartment). The demo
users and compartments of the accounts seed keep their access as it was.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.services import service_scope
from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import Compartment, Unit, UnitLevel, User
from ilp_platform.core import context
from ilp_platform.core.seeding import register
from intelligence.choices import ReportStatus
from intelligence.models import ORIGINATOR_CONSENT, Report

LOCAL_UNITS = ("intel", "response", "dsu", "standards", "it")
UNITS = [
    # code, name, level, parent code
    ("national", "National intelligence hub", UnitLevel.NATIONAL, None),
    ("liaison", "International liaison desk", UnitLevel.INTERNATIONAL, "national"),
    ("region-north", "Regional intelligence unit North", UnitLevel.REGIONAL, "national"),
    ("region-south", "Regional intelligence unit South", UnitLevel.REGIONAL, "national"),
]
# Intake compartments: slug, name, unit code.
COMPARTMENTS = [
    ("national", "National intake", "national"),
    ("region-north", "Region North", "region-north"),
    ("region-south", "Region South", "region-south"),
]
USERS = [
    # username, first, last, role, unit code (its compartment is granted)
    ("national_analyst", "Nadia", "National", Role.ANALYST, "national"),
    ("national_manager", "Nikos", "National", Role.MANAGER, "national"),
    ("regional_analyst", "Rhian", "Regional", Role.ANALYST, "region-north"),
    ("regional_manager", "Rafael", "Regional", Role.MANAGER, "region-north"),
]
REQUIREMENT_QUESTION = "Which groups move cocaine from the port into the region's towns?"
STRATEGY_TITLE = "Cocaine importation and onward supply"
DEMO_LEGAL_BASIS = "DPA 2018 s.35 (law-enforcement purposes)"


def build_structure(password: str, *, password_given: bool = True) -> dict[str, User]:
    """The units, their intake compartments and people (no intelligence)."""
    units: dict[str, Unit] = {}
    for code, name, level, parent in UNITS:
        unit, _created = Unit.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": level, "parent": units.get(parent or "")},
        )
        units[code] = unit
    for code in LOCAL_UNITS:
        unit = Unit.objects.filter(code=code).first()
        if unit is not None and unit.parent_id is None:
            unit.parent = units["region-north"]
            unit.level = UnitLevel.LOCAL
            unit.save(update_fields=["parent", "level"])
    general = Compartment.objects.filter(slug="general").first()
    if general is not None and general.unit_id is None:
        general.unit = Unit.objects.filter(code="intel").first()
        general.save(update_fields=["unit"])
    compartments = {}
    for slug, name, unit in COMPARTMENTS:
        compartments[unit], _created = Compartment.objects.get_or_create(
            slug=slug, defaults={"name": name, "unit": units[unit]}
        )
    people = {}
    for username, first, last, role, unit in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.invalid",
                "unit": units[unit],
            },
        )
        if created or password_given:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        assign_perm("view_compartment", user, compartments[unit])
        people[username] = user
    return people


def _flows(people: dict[str, User]) -> str:
    from sharing import levels, services
    from sharing.models import Share
    from tasking.models import Requirement
    from tasking.services import raise_requirement

    if Requirement.objects.filter(question=REQUIREMENT_QUESTION, issued_from=None).exists():
        return "flows present"
    national = Unit.objects.get(code="national")
    north = Unit.objects.get(code="region-north")
    intel = Unit.objects.filter(code="intel").first()
    analyst = User.objects.filter(username="analyst").first()
    general = Compartment.objects.filter(slug="general").first()
    manager = people["national_manager"]
    done = []
    with context.acting(user=manager, justification="demo data seeding"):
        requirement = raise_requirement(
            actor=manager,
            data={
                "question": REQUIREMENT_QUESTION,
                "detail": "Routes, vehicles and the addresses used to store the drugs.",
                "due_date": timezone.localdate() + timedelta(days=45),
                "assigned_unit": national,
                "compartment": Compartment.objects.get(slug="national"),
            },
        )
        below = [north, *([intel] if intel else [])]
        levels.issue_down(requirement, actor=manager, units=below)
    done.append("a national requirement issued to the North region and the local unit")
    regional_copy = Requirement.objects.get(issued_from=requirement, owning_unit=north)
    with context.acting(user=people["regional_manager"], justification="demo data seeding"):
        levels.accept_requirement(regional_copy, actor=people["regional_manager"])
    if analyst is None or general is None or intel is None or analyst.unit_id != intel.pk:
        return "; ".join(done)
    reports = list(
        Report.objects.filter(compartment=general, status=ReportStatus.EVALUATED)
        .exclude(sanitised_text="")
        .exclude(has_special_category=True)
        .filter(grading_scheme="3x5x2", handling_code="P", shares__isnull=True)
        .order_by("id")[:2]
    )
    if len(reports) < 2:
        return "; ".join(done)
    risks = {"risk_to_source": "low", "risk_to_operation": "none", "risk_to_person": "low"}
    with context.acting(user=analyst, justification="demo data seeding"):
        to_region = services.share_report(
            reports[0],
            actor=analyst,
            to_unit=north,
            legal_basis=DEMO_LEGAL_BASIS,
            risk_assessment="Source protected by sanitisation; no live operation affected.",
            conditions=["law_enforcement_only"],
            **risks,
        )
        services.share_report(
            reports[1],
            actor=analyst,
            to_unit=national,
            legal_basis=DEMO_LEGAL_BASIS,
            conditions=[ORIGINATOR_CONSENT],
            conditions_note="Ask the force intelligence bureau before passing it on.",
            **risks,
        )
    # The North region evaluates what it received, grading it again.
    from intelligence.services.reports import evaluate_report

    received = Report.objects.get(pk=Share.objects.get(pk=to_region.pk).received_report_id)
    evaluator = people["regional_analyst"]
    with context.acting(user=evaluator, justification="demo data seeding"):
        evaluate_report(
            received,
            actor=evaluator,
            grading_data={"source_evaluation": "2", "intelligence_assessment": "C"},
            sanitised_text=reports[0].sanitised_text,
            reason="Graded again at the region: not yet corroborated here.",
        )
    done.append("two local reports shared up (to the North region, evaluated there; to national)")
    return "; ".join(done)


def _meeting(chair: User, compartment: Compartment, title: str, attendees: list[User]):
    """An open strategic meeting of ``compartment``'s unit, chaired by ``chair``."""
    from tasking import services as tasking
    from tasking.choices import MeetingKind

    with context.acting(user=chair, justification="demo data seeding"):
        meeting = tasking.create_meeting(
            actor=chair,
            data={
                "kind": MeetingKind.STRATEGIC,
                "title": title,
                "scheduled_for": timezone.now(),
                "location": "Video conference",
                "chair": chair,
                "compartment": compartment,
            },
            attendees=attendees,
        )
        tasking.open_meeting(meeting, actor=chair)
    return meeting


def _strategy(people: dict[str, User]) -> str:
    """A priority of the national control strategy (proposed by the national analyst,
    approved at a national strategic meeting) issued down to both regions; the North region
    adopts it at its own meeting, the South's copy waits."""
    from intelligence.models import CrimeType
    from sharing import strategy
    from tasking import services as tasking
    from tasking.models import Priority

    national_intake = Compartment.objects.get(slug="national")
    if Priority.objects.filter(
        title=STRATEGY_TITLE, compartment=national_intake, issued_from=None
    ).exists():
        return "control strategy present"
    analyst, manager = people["national_analyst"], people["national_manager"]
    regional = people["regional_manager"]
    north = Unit.objects.get(code="region-north")
    south = Unit.objects.get(code="region-south")
    drugs = CrimeType.objects.filter(slug="drugs").first()
    subject = (
        {"subject_kind": "crime_type", "crime_type": drugs}
        if drugs is not None
        else {"subject_kind": "theme", "subject_label": "Cocaine supply"}
    )
    with context.acting(user=analyst, justification="demo data seeding"):
        priority = tasking.propose_priority(
            actor=analyst,
            data={
                "title": STRATEGY_TITLE,
                "description": "Cocaine landed at the ports and moved on to the regions' towns "
                "by organised groups; county lines exploit young people at the end of them.",
                **subject,
                "compartment": national_intake,
                "intelligence_plan": "Map the groups' routes from the ports; debrief couriers.",
                "prevention_plan": "Safeguard young people drawn into the supply lines.",
                "enforcement_plan": "Disrupt the groups controlling the main routes.",
                "reassurance_plan": "Tell affected communities what was done.",
            },
            matrix="morile",
            inputs={
                "physical": 4,
                "psychological": 3,
                "financial": 3,
                "community": 4,
                "geographic_scope": 4,
                "victim_vulnerability": 4,
                "likelihood": 4,
                "capacity": 3,
                "capability": 3,
                "confidence": 2,
            },
        )
    national_meeting = _meeting(
        manager,
        national_intake,
        "Strategic T&CG (demo): national control strategy",
        [manager, analyst],
    )
    with context.acting(user=manager, justification="demo data seeding"):
        tasking.decide_priority(
            priority,
            actor=manager,
            meeting=national_meeting,
            approve=True,
            rationale="Highest harm across the regions; the supply routes cross unit borders.",
        )
        strategy.issue_priority_down(priority, actor=manager, units=[north, south])
    north_meeting = _meeting(
        regional,
        Compartment.objects.get(slug="region-north"),
        "Strategic T&CG (demo): Region North",
        [regional, people["regional_analyst"]],
    )
    copy = Priority.objects.get(issued_from=priority, compartment__unit=north)
    with context.acting(user=regional, justification="demo data seeding"):
        strategy.adopt_priority(copy, actor=regional, meeting=north_meeting)
    return "a national priority issued to both regions, adopted by the North"


@register(90, "levels: units, sharing up, requirements and the control strategy down")
def seed_levels(command) -> None:
    with service_scope():
        people = build_structure(
            command.demo_password, password_given=getattr(command, "password_given", True)
        )
    summary = "; ".join((_flows(people), _strategy(people)))
    command.stdout.write(f"  levels: {len(UNITS)} units added, {len(USERS)} people; {summary}")
