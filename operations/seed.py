"""Demo operation: "Nightjar", the drug-supply work in Easton, gathering the entities most
linked in the demo network, the reports naming them, an analysis, a product, the priorities,
requirements and taskings of the tasking step. Runs last (after tasking, 60), through the
services; skipped when it exists."""

from __future__ import annotations

from django.db.models import Count, Q

from analysis.models import AnalysisJob, Product
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import context
from ilp_platform.core.seeding import register
from intelligence.models import Entity, Report
from operations import services
from operations.models import Operation
from tasking.models import Priority, Requirement, Tasking

REFERENCE = "OP-NIGHTJAR"
ENTITIES = 14


@register(80, "operations")
def seed_operations(command) -> None:
    if Operation.objects.filter(reference=REFERENCE).exists():
        command.stdout.write("  demo operation present; skipped")
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=["analyst", "analyst2", "manager"])
    }
    analyst = users["analyst"]
    general = Compartment.objects.get(slug="general")
    with context.acting(user=analyst, justification="demo data seeding"):
        operation = services.open_operation(
            actor=analyst,
            data={
                "name": "Nightjar",
                "reference": REFERENCE,
                "objectives": (
                    "Map and disrupt the network supplying drugs in Easton; identify its "
                    "handlers and the addresses it uses."
                ),
                "lead": analyst,
                "team": [u for name, u in users.items() if name != "analyst"],
                "compartment": general,
                "priorities": list(Priority.objects.filter(compartment=general)[:2]),
                "requirements": list(Requirement.objects.filter(compartment=general)[:2]),
            },
        )
        entities = list(
            Entity.objects.filter(compartment=general, merged_into__isnull=True)
            .annotate(degree=Count("links_out", distinct=True) + Count("links_in", distinct=True))
            .order_by("-degree", "id")[:ENTITIES]
        )
        gathered = {
            "entities": entities,
            "reports": list(
                Report.objects.filter(compartment=general, entity_links__entity__in=entities)
                .distinct()
                .order_by("-id")[:25]
            ),
            "jobs": list(
                AnalysisJob.objects.filter(Q(kind="network") | Q(kind="hotspot"))
                .filter(compartments=general)
                .order_by("id")[:2]
            ),
            "products": list(Product.objects.filter(compartment=general).order_by("id")[:1]),
            "taskings": list(Tasking.objects.filter(compartment=general).order_by("id")[:2]),
        }
        for kind, records in gathered.items():
            if records:
                services.gather(operation, actor=analyst, kind=kind, records=records)
    command.stdout.write(
        "  demo operation: " + ", ".join(f"{len(v)} {k}" for k, v in gathered.items())
    )
