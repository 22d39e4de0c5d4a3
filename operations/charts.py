"""Saved link charts of an operation: what a reader sees of one, and saving, changing and
deleting one (each an ``@action`` with its audit event, like the operation's other changes).

A chart stores entity ids with positions. It is drawn again for every reader: the entities the
reader may see among those placed (``Entity.objects.visible_to``) and the links the reader may
see between them. Nothing of an entity outside the reader's compartments shows through a
chart: not its name, kind or position, not even how many there are. A reader who saves a chart
with entities they cannot see leaves those entries as they were: they are not theirs to remove;
for the same reason such a reader may not delete the chart.
The GraphML export is built from the same drawing, so it holds only what the page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import User
from ilp_platform.core.errors import StateConflict
from intelligence.models import Entity, Link
from operations.models import Chart, Operation

# The most entities one chart holds (the graph API answers at most as many).
MAX_NODES = 500
# Positions are canvas coordinates: anything beyond this is not a place on a chart.
MAX_COORDINATE = 1_000_000
TITLE_MAX = 120


@dataclass
class Drawing:
    """What one reader sees of a chart: nodes (id, name, kind, kind label, url, x, y) and edges
    (id, source, target, kind, kind label, strength, strength label)."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def node_ids(self) -> list[int]:
        return [node["id"] for node in self.nodes]

    @property
    def edge_ids(self) -> list[int]:
        return [edge["id"] for edge in self.edges]


def drawing(user: User, chart: Chart) -> Drawing:
    """The chart as ``user`` may see it: two queries (entities, links)."""
    placed = {item["id"]: item for item in chart.nodes or [] if isinstance(item, dict)}
    if not placed:
        return Drawing()
    entities = Entity.objects.visible_to(user).filter(pk__in=list(placed)).order_by("name", "id")
    nodes = []
    for entity in entities:
        spot = placed[entity.pk]
        nodes.append(
            {
                "id": entity.pk,
                "name": entity.name,
                "kind": entity.kind,
                "kind_label": str(entity.get_kind_display()),
                "url": entity.get_absolute_url(),
                "x": spot.get("x"),
                "y": spot.get("y"),
            }
        )
    ids = [node["id"] for node in nodes]
    names = {node["id"]: node["name"] for node in nodes}
    links = (
        Link.objects.visible_to(user)
        .filter(from_entity_id__in=ids, to_entity_id__in=ids)
        .order_by("id")
    )
    edges = [
        {
            "id": link.pk,
            "source": link.from_entity_id,
            "target": link.to_entity_id,
            "source_name": names[link.from_entity_id],
            "target_name": names[link.to_entity_id],
            "kind": link.kind,
            "kind_label": str(link.get_kind_display()),
            "strength": link.strength,
            "strength_label": str(link.get_strength_display()),
        }
        for link in links
    ]
    return Drawing(nodes=nodes, edges=edges)


def visible_charts(user: User, operation: Operation):
    return Chart.objects.visible_to(user).filter(operation=operation).select_related("created_by")


# --- Checking what is sent --------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_COORDINATE:
        return None
    return round(number, 2)


def clean_nodes(value: Any) -> list[dict[str, Any]]:
    """``[{"id": int, "x": number, "y": number}]``, each entity once; a clear error naming
    ``nodes`` otherwise."""
    if not isinstance(value, list):
        raise ValidationError({"nodes": [_("A list of entities with their positions.")]})
    if len(value) > MAX_NODES:
        raise ValidationError(
            {"nodes": [_("A chart holds at most %(n)s entities.") % {"n": MAX_NODES}]}
        )
    cleaned: dict[int, dict[str, Any]] = {}
    for item in value:
        pk = item.get("id") if isinstance(item, dict) else None
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise ValidationError({"nodes": [_("Each entity is named by its id (a number).")]})
        x, y = _number(item.get("x", 0)), _number(item.get("y", 0))
        if x is None or y is None:
            raise ValidationError(
                {
                    "nodes": [
                        _("The position of entity %(id)s is not a pair of numbers (x, y).")
                        % {"id": pk}
                    ]
                }
            )
        cleaned[pk] = {"id": pk, "x": x, "y": y}
    return list(cleaned.values())


def _clean_title(title: Any) -> str:
    text = (title or "").strip() if isinstance(title, str) else ""
    if not text:
        raise ValidationError({"title": [_("Give the chart a title.")]})
    if len(text) > TITLE_MAX:
        raise ValidationError({"title": [_("At most %(n)s characters.") % {"n": TITLE_MAX}]})
    return text


def _placed_for(actor: User, chart: Chart | None, nodes: list[dict[str, Any]]) -> list[dict]:
    """The nodes to store: those sent (each must be an entity the actor sees), and, of what the
    chart held, the entries the actor cannot see (kept as they were)."""
    ids = [node["id"] for node in nodes]
    seen = set(Entity.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    unseen = [pk for pk in ids if pk not in seen]
    if unseen:
        raise ValidationError(
            {
                "nodes": [
                    _("No entity visible to you has the id %(ids)s.")
                    % {"ids": ", ".join(map(str, unseen))}
                ]
            }
        )
    kept: list[dict] = []
    if chart is not None and chart.nodes:
        before = [item for item in chart.nodes if isinstance(item, dict) and "id" in item]
        visible_before = set(
            Entity.objects.visible_to(actor)
            .filter(pk__in=[item["id"] for item in before])
            .values_list("pk", flat=True)
        )
        kept = [item for item in before if item["id"] not in visible_before]
        kept = [item for item in kept if item["id"] not in seen]
    return nodes + kept


def _operation_open_for(operation: Operation) -> None:
    if not operation.is_open:
        raise ValidationError(
            {"operation": [_("The operation is closed: its charts can be read, not changed.")]}
        )


# --- Use cases --------------------------------------------------------------------------------


@action("operations.change_operation")
def create_chart(*, actor: User, operation: Operation, title: Any, nodes: Any = None) -> Chart:
    if not Operation.objects.visible_to(actor).filter(pk=operation.pk).exists():
        raise ValidationError({"operation": [_("No operation visible to you has this id.")]})
    _operation_open_for(operation)
    text = _clean_title(title)
    placed = _placed_for(actor, None, clean_nodes(nodes if nodes is not None else []))
    chart = Chart.objects.create(operation=operation, title=text, nodes=placed, created_by=actor)
    audit.record(
        Action.CREATE,
        obj=chart,
        details={
            "operation": operation.pk,
            "title": text,
            "entities": [item["id"] for item in placed],
        },
    )
    return chart


@action("operations.change_operation")
def update_chart(chart: Chart, *, actor: User, data: dict[str, Any]) -> Chart:
    """Change the title and/or the entities placed (with their positions)."""
    _operation_open_for(chart.operation)
    changes: dict[str, Any] = {}
    if "title" in data:
        text = _clean_title(data["title"])
        if text != chart.title:
            changes["title"] = [chart.title, text]
            chart.title = text
    if "nodes" in data:
        before = {item["id"] for item in chart.nodes or [] if isinstance(item, dict)}
        placed = _placed_for(actor, chart, clean_nodes(data["nodes"]))
        after = {item["id"] for item in placed}
        changes["entities"] = {
            "added": sorted(after - before),
            "removed": sorted(before - after),
            "placed": len(placed),
        }
        chart.nodes = placed
    chart.save()
    audit.record(
        Action.UPDATE, obj=chart, details={"operation": chart.operation_id, "changes": changes}
    )
    return chart


@action("operations.change_operation", recheck=False)
def delete_chart(chart: Chart, *, actor: User) -> Operation:
    """Delete a chart. Refused while it holds entities the actor cannot see: those entries are
    not theirs to remove (as when saving), so the chart stays for a colleague who sees them.
    The erase event names every entity the chart held."""
    operation = chart.operation
    _operation_open_for(operation)
    placed = [item["id"] for item in chart.nodes or [] if isinstance(item, dict) and "id" in item]
    existing = Entity.objects.filter(pk__in=placed)
    if existing.exclude(pk__in=Entity.objects.visible_to(actor).values("pk")).exists():
        raise StateConflict(
            _(
                "This chart holds entities outside your compartments: it is not yours to "
                "delete. Remove your own entities from it, or ask a colleague who sees all of "
                "them to delete it."
            ),
            field="nodes",
        )
    audit.record(
        Action.ERASE,
        obj=chart,
        details={
            "operation": operation.pk,
            "title": chart.title,
            "deleted": True,
            "entities": placed,
        },
    )
    chart.delete()
    return operation


# --- Export -----------------------------------------------------------------------------------


def graphml(chart: Chart, drawn: Drawing) -> str:
    """The drawing as GraphML: nodes with name, kind and position, edges with kind and
    strength. Built from ``drawing()`` only: nothing the reader may not see."""
    keys = [
        ("d_name", "node", "name", "string"),
        ("d_kind", "node", "kind", "string"),
        ("d_x", "node", "x", "double"),
        ("d_y", "node", "y", "double"),
        ("d_url", "node", "url", "string"),
        ("e_kind", "edge", "kind", "string"),
        ("e_strength", "edge", "strength", "string"),
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    for key, target, name, kind in keys:
        lines.append(f'  <key id="{key}" for="{target}" attr.name="{name}" attr.type="{kind}"/>')
    lines.append(f'  <graph id={quoteattr(f"chart-{chart.pk}")} edgedefault="directed">')
    for node in drawn.nodes:
        lines.append(f'    <node id="n{node["id"]}">')
        lines.append(f'      <data key="d_name">{escape(node["name"])}</data>')
        lines.append(f'      <data key="d_kind">{escape(node["kind"])}</data>')
        for axis in ("x", "y"):
            if node.get(axis) is not None:
                lines.append(f'      <data key="d_{axis}">{node[axis]}</data>')
        lines.append(f'      <data key="d_url">{escape(node["url"])}</data>')
        lines.append("    </node>")
    for edge in drawn.edges:
        lines.append(
            f'    <edge id="e{edge["id"]}" source="n{edge["source"]}" target="n{edge["target"]}">'
        )
        lines.append(f'      <data key="e_kind">{escape(edge["kind"])}</data>')
        lines.append(f'      <data key="e_strength">{escape(edge["strength"])}</data>')
        lines.append("    </edge>")
    lines.append("  </graph>")
    lines.append("</graphml>")
    return "\n".join(lines) + "\n"


def record_export(chart: Chart, drawn: Drawing, *, via: str) -> None:
    audit.record(
        Action.EXPORT,
        obj=chart,
        details={
            "format": "graphml",
            "via": via,
            "operation": chart.operation_id,
            "ids": [str(pk) for pk in drawn.node_ids],
            "links": drawn.edge_ids,
            "count": len(drawn.nodes),
        },
    )


def record_view(chart: Chart, drawn: Drawing, *, via: str) -> None:
    audit.consultation(
        Action.VIEW,
        obj=chart,
        ids=drawn.node_ids,
        count=len(drawn.nodes),
        details={"view": "chart", "via": via, "links": drawn.edge_ids},
    )
