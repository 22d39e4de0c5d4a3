"""Demo operation: "Nightjar", the drug-supply work in Easton, gathering the entities most
linked in the demo network, the reports naming them, an analysis, a product, the priorities,
requirements and taskings of the tasking step, and a saved link chart of its entities. Runs
last (after tasking, 60), through the services; skipped when it exists (the chart is added to
an operation seeded before charts existed)."""

from __future__ import annotations

import networkx
from django.db.models import Count, Q

from analysis.models import AnalysisJob, Product
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import context
from ilp_platform.core.seeding import register
from intelligence.models import Entity, Link, Report
from operations import charts, services
from operations.models import Chart, Operation
from tasking.models import Priority, Requirement, Tasking

REFERENCE = "OP-NIGHTJAR"
ENTITIES = 14
CHART_TITLE = "Nightjar supply network"


@register(80, "operations")
def seed_operations(command) -> None:
    if Operation.objects.filter(reference=REFERENCE).exists():
        command.stdout.write("  demo operation present; skipped")
        _seed_chart(command, Operation.objects.get(reference=REFERENCE))
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
    _seed_chart(command, operation)


def _seed_chart(command, operation: Operation) -> None:
    """The operation's saved link chart: its entities laid out by their links (a spring
    layout, seeded, so every demo looks the same), as an analyst would have left it. Skipped
    when the operation has a chart."""
    if Chart.objects.filter(operation=operation, title=CHART_TITLE).exists():
        return
    analyst = operation.lead
    ids = list(operation.entities.order_by("id").values_list("pk", flat=True))
    graph = networkx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from(
        Link.objects.filter(from_entity_id__in=ids, to_entity_id__in=ids).values_list(
            "from_entity_id", "to_entity_id"
        )
    )
    spots = networkx.spring_layout(graph, seed=16, scale=450, k=1.2)
    nodes = [
        {"id": pk, "x": round(float(spots[pk][0]), 1), "y": round(float(spots[pk][1]), 1)}
        for pk in ids
    ]
    with context.acting(user=analyst, justification="demo data seeding"):
        charts.create_chart(actor=analyst, operation=operation, title=CHART_TITLE, nodes=nodes)
    command.stdout.write(f"  demo chart: {len(nodes)} entities")
