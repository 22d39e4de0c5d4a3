"""Saved link charts of an operation: what a reader sees of one, and saving, changing and
deleting one (each an ``@action`` with its audit event, like the operation's other changes).

A chart stores entity ids with positions. It is drawn again for every reader: the entities the
reader may see among those placed (``Entity.objects.visible_to``) and the links the reader may
see between them. Nothing of an entity outside the reader's compartments shows through a
chart: not its name, kind or position, not even how many there are. A reader who saves a chart
with entities they cannot see leaves those entries as they were: they are not theirs to remove;
for the same reason such a reader may not delete the chart.
The exports (GraphML, SVG, and CSV of nodes and edges in one zip) are built from the same
drawing, narrowed by the page's filters (entity kind, link kind, strength, compartment, the date
a link was recorded), so they hold only what the page shows. The workspace's starts (a search of
entities, the operation's entities, entities by id) are read here too, through ``visible_to``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import training
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.separators import split_list
from ilp_platform.web.exports import neutralise_cell
from intelligence import lookup
from intelligence.choices import EntityKind, LinkKind, LinkStrength
from intelligence.models import Entity, Link
from operations import selectors
from operations.models import Chart, Operation

# The most entities one chart holds (the graph API answers at most as many).
MAX_NODES = 500
# Positions are canvas coordinates: anything beyond this is not a place on a chart.
MAX_COORDINATE = 1_000_000
TITLE_MAX = 120

# How the chart draws each kind of entity (vis-network shape, colour; the legend and the SVG
# export too) and each strength of link (line width, dashes: solid, dashed, dotted).
KIND_STYLE = {
    "person": ("dot", "#1f5f8b"),
    "organisation": ("diamond", "#b35c00"),
    "vehicle": ("triangle", "#2e7d32"),
    "location": ("square", "#b83232"),
    "communication": ("hexagon", "#6f4e9c"),
}
DEFAULT_KIND_STYLE = ("dot", "#5a6570")
STRENGTH_STYLE = {"confirmed": (3, ""), "tentative": (2, "8 5"), "unconfirmed": (1.5, "2 4")}


@dataclass
class Drawing:
    """What one reader sees of a chart: nodes (id, name, kind, kind label, compartment, url, x,
    y) and edges (id, source, target, their names, kind, kind label, strength, strength label,
    compartment, and ``recorded``: the day the link was recorded, in the platform's time
    zone)."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def node_ids(self) -> list[int]:
        return [node["id"] for node in self.nodes]

    @property
    def edge_ids(self) -> list[int]:
        return [edge["id"] for edge in self.edges]


def _node(entity: Entity, spot: Mapping[str, Any] | None = None) -> dict[str, Any]:
    spot = spot or {}
    return {
        "id": entity.pk,
        "name": entity.name,
        "kind": entity.kind,
        "kind_label": str(entity.get_kind_display()),
        "compartment": entity.compartment.slug,
        "url": entity.get_absolute_url(),
        "x": spot.get("x"),
        "y": spot.get("y"),
    }


def _edges(
    user: User, ids: Sequence[int], names: Mapping[int, str], touching: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """The links ``user`` may see between entities of ``ids`` (one query); with ``touching``,
    only those with an end among them."""
    links = (
        Link.objects.visible_to(user)
        .filter(from_entity_id__in=ids, to_entity_id__in=ids)
        .select_related("compartment")
        .order_by("id")
    )
    if touching is not None:
        links = links.filter(Q(from_entity_id__in=touching) | Q(to_entity_id__in=touching))
    return [
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
            "compartment": link.compartment.slug,
            "recorded": timezone.localdate(link.created_at),
        }
        for link in links
    ]


def drawing(user: User, chart: Chart) -> Drawing:
    """The chart as ``user`` may see it: two queries (entities, links)."""
    placed = {item["id"]: item for item in chart.nodes or [] if isinstance(item, dict)}
    if not placed:
        return Drawing()
    entities = (
        Entity.objects.visible_to(user)
        .filter(pk__in=list(placed))
        .select_related("compartment")
        .order_by("name", "id")
    )
    nodes = [_node(entity, placed[entity.pk]) for entity in entities]
    names = {node["id"]: node["name"] for node in nodes}
    return Drawing(nodes=nodes, edges=_edges(user, list(names), names))


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


# --- Filters -----------------------------------------------------------------------------------

# Query parameters of the exports: each list names what is shown (absent: all; present but
# empty: none), as the page's boxes do; the dates bound the day a link was recorded.
FILTER_LISTS = ("entity_kind", "link_kind", "strength", "compartment")
FILTER_DATES = ("since", "until")


@dataclass(frozen=True)
class Filters:
    """What the reader chose to show. ``None``: no narrowing on that point."""

    entity_kinds: frozenset[str] | None = None
    link_kinds: frozenset[str] | None = None
    strengths: frozenset[str] | None = None
    compartments: frozenset[str] | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def as_details(self) -> dict[str, Any]:
        """The filters in force, for the export event."""
        details: dict[str, Any] = {}
        for name, value in (
            ("entity_kind", self.entity_kinds),
            ("link_kind", self.link_kinds),
            ("strength", self.strengths),
            ("compartment", self.compartments),
        ):
            if value is not None:
                details[name] = sorted(value)
        for name, day in (("since", self.since), ("until", self.until)):
            if day is not None:
                details[name] = day.isoformat()
        return details

    def shows_node(self, node: Mapping[str, Any]) -> bool:
        return _among(node["kind"], self.entity_kinds) and _among(
            node["compartment"], self.compartments
        )

    def shows_edge(self, edge: Mapping[str, Any]) -> bool:
        recorded = edge["recorded"]
        return (
            _among(edge["kind"], self.link_kinds)
            and _among(edge["strength"], self.strengths)
            and _among(edge["compartment"], self.compartments)
            and (self.since is None or recorded >= self.since)
            and (self.until is None or recorded <= self.until)
        )


def _among(value: str, allowed: frozenset[str] | None) -> bool:
    return allowed is None or value in allowed


def _listed(params: Any, name: str) -> list[str] | None:
    if name not in params:
        return None
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else [params[name]]
    return [part for value in values for part in split_list(str(value))]


def parse_filters(user: User, params: Any) -> Filters:
    """The filters of a query string (a ``QueryDict`` or a plain mapping); a
    ``ValidationError`` naming each bad parameter. A compartment the reader does not hold is
    refused exactly as one that does not exist (the refusal is logged when it exists)."""
    errors: dict[str, list[str]] = {}
    chosen: dict[str, frozenset[str] | None] = {}
    for name, choices in (
        ("entity_kind", EntityKind.values),
        ("link_kind", LinkKind.values),
        ("strength", LinkStrength.values),
    ):
        values = _listed(params, name)
        if values is not None:
            wrong = [value for value in values if value not in choices]
            if wrong:
                errors[name] = [
                    _("“%(value)s” is not one of the accepted values: %(accepted)s.")
                    % {"value": wrong[0], "accepted": ", ".join(choices)}
                ]
        chosen[name] = None if values is None else frozenset(values)
    slugs = _listed(params, "compartment")
    if slugs is not None:
        held = set(
            Compartment.objects.visible_to(user)
            .filter(slug__in=slugs)
            .values_list("slug", flat=True)
        )
        wrong = [slug for slug in slugs if slug not in held]
        if wrong:
            for slug in Compartment.objects.filter(slug__in=wrong).values_list("slug", flat=True):
                audit.record_denied(
                    object_type="accounts.compartment",
                    object_id=slug,
                    reason="chart filter: a compartment the reader does not hold",
                )
            errors["compartment"] = [
                _("No compartment you hold is called “%(slug)s”.") % {"slug": wrong[0][:60]}
            ]
    chosen["compartment"] = None if slugs is None else frozenset(slugs)
    days: dict[str, dt.date | None] = {}
    for name in FILTER_DATES:
        value = str(params.get(name) or "").strip()
        day = None
        if value:
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                errors[name] = [_("A date (YYYY-MM-DD).")]
        days[name] = day
    if days["since"] and days["until"] and days["until"] < days["since"]:
        errors["until"] = [_("Must not come before “since”.")]
    if errors:
        raise ValidationError(errors)
    return Filters(
        entity_kinds=chosen["entity_kind"],
        link_kinds=chosen["link_kind"],
        strengths=chosen["strength"],
        compartments=chosen["compartment"],
        since=days["since"],
        until=days["until"],
    )


def filtered(drawn: Drawing, filters: Filters) -> Drawing:
    """The part of the drawing the filters show: a link shows when it passes them and both of
    its ends are shown."""
    nodes = [node for node in drawn.nodes if filters.shows_node(node)]
    shown = {node["id"] for node in nodes}
    edges = [
        edge
        for edge in drawn.edges
        if edge["source"] in shown and edge["target"] in shown and filters.shows_edge(edge)
    ]
    return Drawing(nodes=nodes, edges=edges)


def held_compartments(user: User) -> list[tuple[str, str]]:
    """The compartments the reader holds (slug, name): the only ones a filter offers."""
    return list(Compartment.objects.visible_to(user).order_by("name").values_list("slug", "name"))


# --- Starting points: a search, the operation's entities, entities by id ----------------------


@dataclass
class Found:
    """Entities to place on a chart (without positions) and the links the reader may see
    between them and those already on it."""

    drawing: Drawing
    truncated: bool = False


def _found(
    user: User, entities: Iterable[Entity], present: Sequence[int], truncated: bool = False
) -> Found:
    nodes = [_node(entity) for entity in entities]
    names = {node["id"]: node["name"] for node in nodes}
    ids = list(names)
    others = [pk for pk in present if pk not in names]
    if others:
        names.update(
            Entity.objects.visible_to(user).filter(pk__in=others).values_list("pk", "name")
        )
    edges = _edges(user, list(names), names, touching=ids) if ids else []
    return Found(Drawing(nodes=nodes, edges=edges), truncated)


def search_entities(user: User, query: str, present: Sequence[int] = ()) -> Found:
    """The entities a search finds (the pickers' look-up: names containing the text, those
    starting with it first, at most ``lookup.MAX_RESULTS``), all of them visible to ``user``."""
    order = [item["id"] for item in lookup.lookup(user, "entity", query).items]
    entities = {
        entity.pk: entity
        for entity in Entity.objects.visible_to(user)
        .filter(pk__in=order)
        .select_related("compartment")
    }
    return _found(user, [entities[pk] for pk in order if pk in entities], present)


def operation_entities(user: User, operation: Operation, present: Sequence[int] = ()) -> Found:
    """The entities gathered in the operation that ``user`` may see (at most ``MAX_NODES``)."""
    rows = list(
        selectors.items(user, operation, "entities")
        .select_related("compartment")
        .order_by("name", "id")[: MAX_NODES + 1]
    )
    return _found(user, rows[:MAX_NODES], present, truncated=len(rows) > MAX_NODES)


def entities_by_id(user: User, ids: Sequence[int], present: Sequence[int] = ()) -> Found:
    """The entities of ``ids`` that ``user`` may see; the others are left out exactly as ids
    that name nothing (an existing one's refusal is logged)."""
    entities = list(
        Entity.objects.visible_to(user)
        .filter(pk__in=list(ids))
        .select_related("compartment")
        .order_by("name", "id")
    )
    seen = {entity.pk for entity in entities}
    unseen = [pk for pk in ids if pk not in seen]
    if unseen:
        for pk in Entity._base_manager.filter(pk__in=unseen).values_list("pk", flat=True):
            audit.record_denied(
                object_type="intelligence.entity",
                object_id=pk,
                reason="chart entities: an entity outside the reader's compartments",
            )
    return _found(user, entities, present)


def record_found(chart: Chart, found: Found, *, start: str, query: str = "") -> None:
    """The consultation event of a start: a search (with its text), the operation's entities
    (a list of the operation), or entities by id (a view of them)."""
    nodes = found.drawing.node_ids
    details = {
        "view": "chart",
        "chart": chart.pk,
        "start": start,
        "links": found.drawing.edge_ids,
        "truncated": found.truncated,
    }
    if start == "search":
        audit.consultation(
            Action.SEARCH,
            object_type="intelligence.entity",
            ids=nodes,
            query=query,
            count=len(nodes),
            details={**details, "filters": {"kind": "entity"}},
        )
    elif start == "operation":
        audit.consultation(
            Action.LIST, obj=chart.operation, ids=nodes, count=len(nodes), details=details
        )
    else:
        audit.consultation(
            Action.VIEW,
            object_type="intelligence.entity",
            ids=nodes,
            count=len(nodes),
            details=details,
        )


# --- Export -----------------------------------------------------------------------------------


def graphml(chart: Chart, drawn: Drawing) -> str:
    """The drawing as GraphML: nodes with name, kind, compartment and position, edges with
    kind, strength, compartment and the day recorded. Built from ``drawing()`` only: nothing
    the reader may not see."""
    keys = [
        ("d_name", "node", "name", "string"),
        ("d_kind", "node", "kind", "string"),
        ("d_compartment", "node", "compartment", "string"),
        ("d_x", "node", "x", "double"),
        ("d_y", "node", "y", "double"),
        ("d_url", "node", "url", "string"),
        ("e_kind", "edge", "kind", "string"),
        ("e_strength", "edge", "strength", "string"),
        ("e_compartment", "edge", "compartment", "string"),
        ("e_recorded", "edge", "recorded", "string"),
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
        lines.append(f'      <data key="d_compartment">{escape(node["compartment"])}</data>')
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
        lines.append(f'      <data key="e_compartment">{escape(edge["compartment"])}</data>')
        lines.append(f'      <data key="e_recorded">{edge["recorded"].isoformat()}</data>')
        lines.append("    </edge>")
    lines.append("  </graph>")
    lines.append("</graphml>")
    return "\n".join(lines) + "\n"


# The SVG export: each kind's shape as points around the entity's centre (unit: the radius).
_SHAPES = {
    "diamond": ((0, -1.15), (1.15, 0), (0, 1.15), (-1.15, 0)),
    "triangle": ((0, -1.15), (1.05, 0.85), (-1.05, 0.85)),
    "hexagon": ((-0.55, -1), (0.55, -1), (1.1, 0), (0.55, 1), (-0.55, 1), (-1.1, 0)),
}
_RADIUS = 14
_MARGIN = 90  # room around the outermost entities for their names
_HEADER = 48
_LEGEND = 84
_MIN_WIDTH = 820  # the legend's width
_LEGEND_CHAR = 7  # a legend letter's width, roughly (12-pixel sans-serif)
_EDGE_COLOUR = "#7b8794"
_TEXT_COLOUR = "#1b2a41"


def _shape(kind: str, x: float, y: float, radius: float = _RADIUS) -> str:
    shape, colour = KIND_STYLE.get(kind, DEFAULT_KIND_STYLE)
    if shape == "square":
        side = 2 * radius * 0.9
        return (
            f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" '
            f'height="{side:.1f}" fill="{colour}"/>'
        )
    if shape in _SHAPES:
        points = " ".join(
            f"{x + dx * radius:.1f},{y + dy * radius:.1f}" for dx, dy in _SHAPES[shape]
        )
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}"/>'


def _line_style(strength: str) -> str:
    width, dash = STRENGTH_STYLE.get(strength, (1, ""))
    style = f'stroke="{_EDGE_COLOUR}" stroke-width="{width}"'
    return style + (f' stroke-dasharray="{dash}"' if dash else "")


def _positions(nodes: Sequence[Mapping[str, Any]]) -> dict[int, tuple[float, float]]:
    """Each entity's place: as saved; entities never placed go round a circle."""
    spots: dict[int, tuple[float, float]] = {}
    loose = [node for node in nodes if node.get("x") is None or node.get("y") is None]
    for node in nodes:
        if node not in loose:
            spots[node["id"]] = (float(node["x"]), float(node["y"]))
    ring = max(150.0, 40 * len(loose) / (2 * math.pi))
    for k, node in enumerate(loose):
        angle = 2 * math.pi * k / len(loose)
        spots[node["id"]] = (ring * math.cos(angle), ring * math.sin(angle))
    return spots


def svg(chart: Chart, drawn: Drawing) -> str:
    """The drawing as an SVG picture: each entity's shape and colour by kind with its name, each
    link as a line whose width and dashes give its strength, labelled with its kind and with an
    arrow to the entity it points to, a title and the legend. Built from ``drawing()`` only (so
    from what the reader may see, after their filters); positions are the saved ones."""
    spots = _positions(drawn.nodes)
    xs = [x for x, _y in spots.values()] or [0.0]
    ys = [y for _x, y in spots.values()] or [0.0]
    left, top = min(xs) - _MARGIN, min(ys) - _MARGIN - _HEADER
    width = max(max(xs) - min(xs) + 2 * _MARGIN, _MIN_WIDTH)
    height = max(ys) - min(ys) + 2 * _MARGIN + _HEADER + _LEGEND
    title = f"{chart.title} ({chart.operation.reference})"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="{left:.1f} {top:.1f} {width:.1f} {height:.1f}" '
        f'role="img" aria-label={quoteattr(title)} font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{_EDGE_COLOUR}"/></marker>',
        "</defs>",
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
        'fill="#ffffff"/>',
        f'<text x="{left + 20:.1f}" y="{top + 30:.1f}" font-size="18" font-weight="bold" '
        f'fill="{_TEXT_COLOUR}">{escape(title)}</text>',
    ]
    if not drawn.nodes:
        out.append(
            f'<text x="{left + 20:.1f}" y="{top + _HEADER + 40:.1f}" font-size="14" '
            f'fill="{_TEXT_COLOUR}">{escape(_("No entities shown."))}</text>'
        )
    out.append('<g class="links">')
    for edge in drawn.edges:
        (x1, y1), (x2, y2) = spots[edge["source"]], spots[edge["target"]]
        length = math.hypot(x2 - x1, y2 - y1)
        if length <= 2 * _RADIUS:
            continue
        # From the edge of one shape to the edge of the other, the arrow on the second.
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        sx, sy = x1 + ux * _RADIUS, y1 + uy * _RADIUS
        ex, ey = x2 - ux * (_RADIUS + 3), y2 - uy * (_RADIUS + 3)
        what = f"{edge['source_name']} – {edge['kind_label']} – {edge['target_name']}"
        what += f" ({edge['strength_label']}, {edge['recorded'].isoformat()})"
        out.append(
            f'<g><title>{escape(what)}</title><line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" '
            f'y2="{ey:.1f}" {_line_style(edge["strength"])} marker-end="url(#arrow)"/>'
            f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 4:.1f}" font-size="10" '
            f'text-anchor="middle" fill="#495057" stroke="#ffffff" stroke-width="3" '
            f'paint-order="stroke">{escape(edge["kind_label"])}</text></g>'
        )
    out.append("</g>")
    out.append('<g class="entities">')
    for node in drawn.nodes:
        x, y = spots[node["id"]]
        out.append(
            f"<g><title>{escape(node['name'])} ({escape(node['kind_label'])})</title>"
            f"{_shape(node['kind'], x, y)}"
            f'<text x="{x:.1f}" y="{y + _RADIUS + 16:.1f}" font-size="13" text-anchor="middle" '
            f'fill="{_TEXT_COLOUR}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
            f"{escape(node['name'])}</text></g>"
        )
    out.append("</g>")
    out.extend(_legend(left + 20, top + height - _LEGEND + 18))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(x: float, y: float) -> list[str]:
    """Kinds of entity (shape, colour) on one row, strengths of link (line) on the next."""
    out = ['<g class="legend" font-size="12">']
    left = x
    for value, label in EntityKind.choices:
        out.append(_shape(value, left + 8, y, radius=7))
        out.append(
            f'<text x="{left + 20:.1f}" y="{y + 4:.1f}" fill="{_TEXT_COLOUR}">'
            f"{escape(str(label))}</text>"
        )
        left += 20 + _LEGEND_CHAR * len(str(label)) + 24
    left = x
    for value, label in LinkStrength.choices:
        out.append(
            f'<line x1="{left:.1f}" y1="{y + 30:.1f}" x2="{left + 36:.1f}" y2="{y + 30:.1f}" '
            f"{_line_style(value)}/>"
        )
        out.append(
            f'<text x="{left + 44:.1f}" y="{y + 34:.1f}" fill="{_TEXT_COLOUR}">'
            f"{escape(str(label))}</text>"
        )
        left += 44 + _LEGEND_CHAR * len(str(label)) + 24
    out.append("</g>")
    return out


NODE_COLUMNS = ("id", "name", "kind", "kind_label", "compartment", "x", "y", "url")
EDGE_COLUMNS = (
    "id",
    "source",
    "source_name",
    "target",
    "target_name",
    "kind",
    "kind_label",
    "strength",
    "strength_label",
    "compartment",
    "recorded",
)


def _cell(value: Any) -> Any:
    """Text as every CSV export of the platform writes it (a cell a spreadsheet would read as
    a formula neutralised); numbers and dates as they are (a position may be negative)."""
    if isinstance(value, str):
        return neutralise_cell(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def _csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    headers, values = training.csv_rows(
        columns, ([_cell(row[column]) for column in columns] for row in rows)
    )
    writer.writerow(headers)
    writer.writerows(values)
    return out.getvalue()


def csv_zip(chart: Chart, drawn: Drawing) -> bytes:
    """The drawing as two CSV files in one zip: ``nodes.csv`` (one entity a row) and
    ``edges.csv`` (one link a row, its ends by id and name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", _csv_text(NODE_COLUMNS, drawn.nodes))
        archive.writestr("edges.csv", _csv_text(EDGE_COLUMNS, drawn.edges))
    return buffer.getvalue()


@dataclass(frozen=True)
class Export:
    body: str | bytes
    content_type: str
    extension: str


def export(chart: Chart, drawn: Drawing, export_format: str) -> Export:
    """The file of one export format (``EXPORT_FORMATS``) of a drawing."""
    if export_format == "svg":
        picture = training.watermark_svg(svg(chart, drawn))
        return Export(picture, "image/svg+xml; charset=utf-8", "svg")
    if export_format == "csv":
        return Export(csv_zip(chart, drawn), "application/zip", "csv.zip")
    document = training.watermark_graphml(graphml(chart, drawn))
    return Export(document, "application/graphml+xml; charset=utf-8", "graphml")


EXPORT_FORMATS = ("graphml", "svg", "csv")


def record_export(
    chart: Chart,
    drawn: Drawing,
    *,
    via: str,
    export_format: str = "graphml",
    filters: Filters | None = None,
) -> None:
    audit.record(
        Action.EXPORT,
        obj=chart,
        details={
            "format": export_format,
            "via": via,
            "operation": chart.operation_id,
            "filters": filters.as_details() if filters else {},
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
