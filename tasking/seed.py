"""Demo tasking: a closed tactical meeting with its decisions, an open one with candidates to
decide, scored priorities, requirements with answering reports, and taskings (one overdue, one
owned by the demo officer).

Runs after the intelligence (20) and analysis (40) steps and goes through the services, so the
audit trail holds what a real meeting would leave. Idempotent: skipped when the demo meeting
exists. Products are cited only when the analysis step has made some.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from analysis.models import Product
from ilp_platform.accounts.models import Compartment, Unit, User
from ilp_platform.core import context
from ilp_platform.core.seeding import register
from intelligence.choices import ReportStatus
from intelligence.models import CrimeType, Report
from tasking import services
from tasking.choices import MeetingKind, Strand, SubjectKind
from tasking.models import Meeting, Tasking

CLOSED_TITLE = "Tactical T&CG (demo): previous fortnight"
OPEN_TITLE = "Tactical T&CG (demo): this fortnight"


def _as(user):
    return context.acting(user=user, justification="demo data seeding")


def _morile(**values) -> dict:
    base = {
        "physical": 2,
        "psychological": 2,
        "financial": 2,
        "community": 2,
        "geographic_scope": 2,
        "victim_vulnerability": 2,
        "likelihood": 3,
        "capacity": 3,
        "capability": 3,
        "confidence": 2,
    }
    return {**base, **values}


@register(60, "tasking")
def seed_tasking(command) -> None:
    if Meeting.objects.filter(title=CLOSED_TITLE).exists():
        command.stdout.write("  tasking demo data present; skipped")
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["officer", "analyst", "analyst2", "manager"])
    }
    analyst, manager, officer = users["analyst"], users["manager"], users["officer"]
    general = Compartment.objects.get(slug="general")
    crime = {c.slug: c for c in CrimeType.objects.all()}
    response_unit = Unit.objects.filter(code="response").first()
    intel_unit = Unit.objects.filter(code="intel").first()
    reports = list(
        Report.objects.visible_to(analyst)
        .filter(compartment=general, status=ReportStatus.EVALUATED)
        .order_by("id")[:4]
    )
    products = list(
        Product.objects.visible_to(manager).filter(compartment=general).order_by("id")[:2]
    )
    now = timezone.now()
    today = timezone.localdate()

    with _as(manager):
        closed = services.create_meeting(
            actor=manager,
            data={
                "kind": MeetingKind.TACTICAL,
                "title": CLOSED_TITLE,
                "scheduled_for": now - timedelta(days=14),
                "location": "Force intelligence bureau, room 2",
                "chair": manager,
                "compartment": general,
            },
            attendees=[manager, analyst, users["analyst2"]],
        )

    def propose(title, kind, matrix, inputs, **data):
        subject = {"subject_kind": kind}
        if kind == SubjectKind.CRIME_TYPE:
            subject["crime_type"] = crime.get(data.pop("crime", ""))
            if subject["crime_type"] is None:
                subject = {"subject_kind": SubjectKind.THEME, "subject_label": title}
        else:
            subject["subject_label"] = data.pop("label", title)
        with _as(analyst):
            return services.propose_priority(
                actor=analyst,
                data={"title": title, "compartment": general, **subject, **data},
                evidence_products=products,
                matrix=matrix,
                inputs=inputs,
            )

    burglary = propose(
        "Residential burglary",
        SubjectKind.CRIME_TYPE,
        "morile",
        _morile(physical=2, psychological=3, financial=3, victim_vulnerability=3, likelihood=5),
        crime="burglary",
        description="Dwelling burglary up 18% on the year; a near-repeat pattern in Easton.",
        intelligence_plan="Identify handlers of stolen goods; debrief arrested burglars.",
        prevention_plan="Target hardening for repeat and near-repeat victims.",
        enforcement_plan="Target the five most prolific offenders.",
        reassurance_plan="Street briefings after each burglary in the hotspot.",
    )
    drugs = propose(
        "Organised drug supply in Easton",
        SubjectKind.GROUP,
        "morile",
        _morile(physical=4, community=4, victim_vulnerability=4, likelihood=4, capability=4),
        label="Easton supply network",
        intelligence_plan="Map the network's lines and runners.",
        enforcement_plan="Disrupt the two main lines.",
    )
    parks = propose(
        "Anti-social behaviour in parks",
        SubjectKind.PLACE,
        "grid4x4",
        {"impact": 1, "likelihood": 3},
        label="City parks",
    )

    with _as(manager):
        services.open_meeting(closed, actor=manager)
        for priority, approve, rationale in (
            (burglary, True, "Highest harm to victims; rising trend; the profile supports it."),
            (drugs, True, "Serious harm to the community and exploited young people."),
            (parks, False, "Low impact; neighbourhood teams handle it as business as usual."),
        ):
            services.decide_priority(
                priority,
                actor=manager,
                meeting=closed,
                approve=approve,
                rationale=rationale,
                evidence_reports=reports[:1] if approve else [],
            )
        answered = services.raise_requirement(
            actor=manager,
            data={
                "question": "Where are stolen goods from the Easton burglaries being sold?",
                "priority": burglary,
                "due_date": today + timedelta(days=14),
                "assigned_to": analyst,
                "assigned_unit": intel_unit,
                "compartment": general,
            },
            meeting=closed,
        )
        services.raise_requirement(
            actor=manager,
            data={
                "question": "Who runs the supply lines into Easton?",
                "priority": drugs,
                "due_date": today + timedelta(days=21),
                "assigned_unit": intel_unit,
                "compartment": general,
            },
            meeting=closed,
        )
        officer_task = services.create_tasking(
            actor=manager,
            data={
                "title": "High-visibility patrols in the Easton burglary hotspot",
                "priority": burglary,
                "strand": Strand.PREVENTION,
                "owner_user": officer,
                "owner_unit": response_unit,
                "due_date": today + timedelta(days=5),
                "compartment": general,
            },
            meeting=closed,
        )
        pawnbrokers = services.create_tasking(
            actor=manager,
            data={
                "title": "Visit pawnbrokers and second-hand dealers on Stapleton Road",
                "priority": burglary,
                "requirement": answered,
                "strand": Strand.INTELLIGENCE,
                "owner_unit": response_unit,
                "due_date": today,
                "compartment": general,
            },
            meeting=closed,
        )
        done = services.create_tasking(
            actor=manager,
            data={
                "title": "Warrant at the suspected stash address",
                "priority": drugs,
                "strand": Strand.ENFORCEMENT,
                "owner_user": manager,
                "due_date": today,
                "compartment": general,
            },
            meeting=closed,
        )
        # The meeting was some days ago: these deadlines have passed since (a deadline cannot
        # be set in the past, so the days pass here).
        Tasking.objects.filter(pk=pawnbrokers.pk).update(due_date=today - timedelta(days=3))
        Tasking.objects.filter(pk=done.pk).update(due_date=today - timedelta(days=1))
        done.due_date = today - timedelta(days=1)
        services.complete_tasking(
            done,
            actor=manager,
            result="Warrant executed; two arrests, cannabis and cash seized.",
            cited_reports=reports[2:3],
            cited_products=products[:1],
        )
        services.record_decision(
            closed,
            actor=manager,
            data={
                "decision": "Commission a problem profile on residential burglary in Easton.",
                "rationale": "The near-repeat pattern needs understanding before resourcing.",
            },
            evidence_products=products[:1],
            evidence_reports=reports[:2],
        )
        services.close_meeting(closed, actor=manager)

    with _as(analyst):
        for report in reports[1:3]:
            services.answer_requirement(
                answered, actor=analyst, report=report, note="Names a likely outlet."
            )

    vehicle = propose(
        "Theft from vehicles in the city centre",
        SubjectKind.CRIME_TYPE,
        "grid4x4",
        {"impact": 2, "likelihood": 4},
        crime="vehicle-crime",
        enforcement_plan="Plain-clothes patrols in the multi-storey car parks.",
    )
    propose(
        "Knife crime near schools",
        SubjectKind.THEME,
        "morile",
        _morile(physical=4, psychological=3, victim_vulnerability=4, likelihood=3, confidence=1),
        prevention_plan="Schools programme with partners.",
    )
    with _as(manager):
        current = services.create_meeting(
            actor=manager,
            data={
                "kind": MeetingKind.TACTICAL,
                "title": OPEN_TITLE,
                "scheduled_for": now,
                "location": "Force intelligence bureau, room 2",
                "chair": manager,
                "compartment": general,
            },
            attendees=[manager, analyst, officer],
        )
        services.open_meeting(current, actor=manager)
        services.record_decision(
            current,
            actor=manager,
            data={
                "subject_kind": "tasking",
                "tasking": officer_task,
                "decision": "Patrols continue for another fortnight.",
                "rationale": "Two fewer burglaries in the hotspot since they began.",
            },
        )
    command.stdout.write(
        f"  2 meetings, 5 priorities ({vehicle.title!r} and one more awaiting decision), "
        "2 requirements, 3 taskings"
    )
