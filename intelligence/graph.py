"""Reads for the analyst's workbench: an entity's timeline, its neighbourhood and the shortest
paths between two entities.

Everything starts from ``visible_to(user)``: a link is followed only when the reader may see
it, and ``Link.objects.visible_to`` already requires both of its ends to be visible (a link's
ends are required references, ``ilp_platform.core.references``), so a restricted entity is
never reached, never named and never counted. The walks ask the database one question per
level of the breadth-first search (the links touching the whole frontier at once), never one
per entity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ilp_platform.core.separators import split_list
from intelligence.choices import LinkKind, LinkStrength, SubjectCategory
from intelligence.models import Entity, Link, Report, ReportEntity

if TYPE_CHECKING:
    from ilp_platform.accounts.models import User

MAX_DEPTH = 3
# The most entities a neighbourhood or a path answer holds; beyond it the answer says
# ``truncated``.
MAX_NODES = 500
# The most links a neighbourhood answer holds (a few hubs can carry thousands).
MAX_EDGES = 2_000
# Paths longer than this are not searched for.
MAX_PATH_LENGTH = 8
# The most entities a path search visits (both sides together) before giving up.
MAX_VISITED = 10_000
TIMELINE_LIMIT = 100
TIMELINE_MAX = 500

VIEW_REPORT = "intelligence.view_report"
VIEW_LINK = "intelligence.view_link"


class Edge(NamedTuple):
    id: int
    source: int
    target: int
    strength: str
    kind: str


@dataclass
class Graph:
    """Entities (``id``, ``name``, ``kind``) and the links between them."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False
    # Paths only: the number of links on a shortest path, None when none was found.
    length: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "edges": [edge._asdict() for edge in self.edges],
            "truncated": self.truncated,
        }


def visible_entity(user: User, pk: int) -> Entity | None:
    """The entity ``pk`` when ``user`` may see it; None otherwise (as for a missing one)."""
    return Entity.objects.visible_to(user).filter(pk=pk).first()


def _links_touching(user: User, ids: Sequence[int]) -> list[Edge]:
    """Visible links with an end among ``ids``: one query."""
    rows = (
        Link.objects.visible_to(user)
        .filter(Q(from_entity_id__in=ids) | Q(to_entity_id__in=ids))
        .order_by("id")
        .values_list("id", "from_entity_id", "to_entity_id", "strength", "kind")
    )
    return [Edge(*row) for row in rows]


def _links_among(user: User, ids: Sequence[int]) -> list[Edge]:
    """Visible links with both ends among ``ids``: one query."""
    rows = (
        Link.objects.visible_to(user)
        .filter(from_entity_id__in=ids, to_entity_id__in=ids)
        .order_by("id")
        .values_list("id", "from_entity_id", "to_entity_id", "strength", "kind")
    )
    return [Edge(*row) for row in rows]


def _nodes(user: User, ids: Iterable[int], order: dict[int, int]) -> list[dict[str, Any]]:
    """The entities ``ids`` the reader may see, as nodes, ordered by ``order`` then name."""
    rows = Entity.objects.visible_to(user).filter(pk__in=list(ids)).values("id", "name", "kind")
    return sorted(rows, key=lambda row: (order.get(row["id"], 0), row["name"], row["id"]))


def _graph(
    user: User, ids: Iterable[int], edges: Iterable[Edge], order: dict[int, int], truncated: bool
) -> Graph:
    nodes = _nodes(user, ids, order)
    present = {node["id"] for node in nodes}
    # Never an edge to an entity left out (the link rule makes this a no-op; kept as a guard).
    kept = sorted(
        (e for e in edges if e.source in present and e.target in present), key=lambda e: e.id
    )
    return Graph(nodes=nodes, edges=kept, truncated=truncated)


def neighbours(user: User, start: Entity, depth: int, max_nodes: int | None = None) -> Graph:
    """The entities within ``depth`` links of ``start`` and every visible link between them.

    Breadth first, one query per level; at most ``max_nodes`` entities (the nearest first, then
    by id) and ``MAX_EDGES`` links, ``truncated`` when some were left out.
    """
    max_nodes = max_nodes or MAX_NODES
    level_of: dict[int, int] = {start.pk: 0}
    edges: dict[int, Edge] = {}
    frontier: list[int] = [start.pk]
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        found = _links_touching(user, frontier)
        new = sorted({end for e in found for end in (e.source, e.target) if end not in level_of})
        room = max_nodes - len(level_of)
        if len(new) > room:
            new, truncated = new[: max(room, 0)], True
        for pk in new:
            level_of[pk] = level
        edges.update((e.id, e) for e in found if e.source in level_of and e.target in level_of)
        frontier = new
        if truncated:
            break
    # Links between entities of the last level reached (not expanded) join the chart too.
    if len(frontier) > 1:
        edges.update((e.id, e) for e in _links_among(user, frontier))
    kept = sorted(edges.values(), key=lambda e: e.id)
    if len(kept) > MAX_EDGES:
        kept, truncated = kept[:MAX_EDGES], True
    return _graph(user, level_of, kept, level_of, truncated)


def shortest_paths(
    user: User,
    source: Entity,
    target: Entity,
    max_length: int | None = None,
    max_visited: int | None = None,
) -> Graph:
    """Every shortest path between two entities over visible links, as one graph.

    A breadth-first search from both ends, expanding the smaller frontier one level at a time
    (one query per level). ``length`` is the number of links on a shortest path, or None when
    there is none within ``max_length`` links, or the search stopped after visiting
    ``max_visited`` entities (then ``truncated`` too). The answer holds the union of all
    shortest paths; when that exceeds ``MAX_NODES`` entities, one of them and ``truncated``.
    """
    max_length = max_length or MAX_PATH_LENGTH
    max_visited = max_visited or MAX_VISITED
    if source.pk == target.pk:
        graph = _graph(user, [source.pk], [], {}, False)
        graph.length = 0
        return graph
    dist: tuple[dict[int, int], dict[int, int]] = ({source.pk: 0}, {target.pk: 0})
    # For each side, entity -> the links (and the entity one step nearer that side's origin)
    # by which a shortest walk from that origin reaches it.
    parents: _Parents = ({}, {})
    frontiers: list[list[int]] = [[source.pk], [target.pk]]
    levels = [0, 0]
    meeting: list[int] = []
    truncated = False
    while levels[0] + levels[1] < max_length:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            break  # one end's component is exhausted: no path
        here, level = dist[side], levels[side] + 1
        current = set(frontiers[side])
        new: set[int] = set()
        for edge in _links_touching(user, frontiers[side]):
            for near, far in ((edge.source, edge.target), (edge.target, edge.source)):
                if near not in current:
                    continue
                if far not in here:
                    here[far] = level
                    new.add(far)
                if here[far] == level:
                    parents[side].setdefault(far, []).append((edge, near))
        levels[side] = level
        frontiers[side] = sorted(new)
        meeting = [pk for pk in frontiers[side] if pk in dist[1 - side]]
        if meeting:
            break
        if len(dist[0]) + len(dist[1]) > max_visited:
            truncated = True
            break
    if not meeting:
        return Graph(truncated=truncated)
    ids, edges = _union_of_paths(parents, meeting)
    if len(ids) > MAX_NODES:
        ids, edges = _one_path(parents, meeting[0])
        truncated = True
    order = {pk: dist[0].get(pk, levels[0] + levels[1] - dist[1].get(pk, 0)) for pk in ids}
    graph = _graph(user, ids, edges.values(), order, truncated)
    graph.length = levels[0] + levels[1]
    return graph


_Parents = tuple[dict[int, list[tuple[Edge, int]]], dict[int, list[tuple[Edge, int]]]]


def _union_of_paths(parents: _Parents, meeting: list[int]) -> tuple[set[int], dict[int, Edge]]:
    """Back from the entities where the two searches met, to both origins, along every link
    that lies on a shortest walk."""
    ids: set[int] = set(meeting)
    edges: dict[int, Edge] = {}
    for side in (0, 1):
        seen = set(meeting)
        stack = list(meeting)
        while stack:
            pk = stack.pop()
            for edge, nearer in parents[side].get(pk, ()):
                edges[edge.id] = edge
                if nearer not in seen:
                    seen.add(nearer)
                    stack.append(nearer)
        ids |= seen
    return ids, edges


def _one_path(parents: _Parents, middle: int) -> tuple[set[int], dict[int, Edge]]:
    ids = {middle}
    edges: dict[int, Edge] = {}
    for side in (0, 1):
        pk = middle
        while parents[side].get(pk):
            edge, pk = parents[side][pk][0]
            edges[edge.id] = edge
            ids.add(pk)
    return ids, edges


# --- Timeline ---------------------------------------------------------------------------------


@dataclass
class Timeline:
    items: list[dict[str, Any]]
    truncated: bool
    report_ids: list[int]
    link_ids: list[int]


def entity_timeline(
    user: User,
    entity: Entity,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = TIMELINE_LIMIT,
) -> Timeline:
    """What happened around an entity, newest first: the reports naming it (when the report
    happened, or when it was recorded) and the links made to or from it (when they were made).

    ``since`` is inclusive, ``until`` exclusive. Only reports and links the reader may see;
    a link shows only with both of its ends visible, so the other end's name may be given.
    Incidents are not tied to entities in the model, so they do not appear. At most ``limit``
    items (one query per kind of item), ``truncated`` when there were more.
    """
    items: list[dict[str, Any]] = []
    if user.has_perm(VIEW_REPORT):
        mentions = (
            ReportEntity.objects.visible_to(user)
            .filter(entity_id=entity.pk)
            .annotate(
                at=Coalesce("report__occurred_at", "report__occurred_from", "report__created_at")
            )
        )
        if since is not None:
            mentions = mentions.filter(at__gte=since)
        if until is not None:
            mentions = mentions.filter(at__lt=until)
        for row in mentions.order_by("-at", "-report_id").values(
            "at", "report_id", "report__urn", "subject_category"
        )[: limit + 1]:
            category = row["subject_category"]
            title = str(row["report__urn"])
            if category:
                title += f" ({SubjectCategory(category).label})"
            items.append(
                {
                    "at": row["at"],
                    "kind": "report",
                    "title": title,
                    "object_type": "intelligence.report",
                    "object_id": row["report_id"],
                }
            )
    if user.has_perm(VIEW_LINK):
        links = Link.objects.visible_to(user).filter(
            Q(from_entity_id=entity.pk) | Q(to_entity_id=entity.pk)
        )
        if since is not None:
            links = links.filter(created_at__gte=since)
        if until is not None:
            links = links.filter(created_at__lt=until)
        for row in links.order_by("-created_at", "-id").values(
            "id",
            "created_at",
            "kind",
            "strength",
            "from_entity_id",
            "from_entity__name",
            "to_entity__name",
        )[: limit + 1]:
            # Both ends are visible to the reader (a link's ends are required references).
            outgoing = row["from_entity_id"] == entity.pk
            other = row["to_entity__name"] if outgoing else row["from_entity__name"]
            kind = str(LinkKind(row["kind"]).label)
            strength = str(LinkStrength(row["strength"]).label).lower()
            title = (
                f"{kind} {other} ({strength})"
                if outgoing
                else f"{other}: {kind.lower()} this entity ({strength})"
            )
            items.append(
                {
                    "at": row["created_at"],
                    "kind": "link",
                    "title": title,
                    "object_type": "intelligence.link",
                    "object_id": row["id"],
                }
            )
    items.sort(key=lambda item: (item["at"], item["kind"], item["object_id"]), reverse=True)
    truncated = len(items) > limit
    items = items[:limit]
    return Timeline(
        items=items,
        truncated=truncated,
        report_ids=[i["object_id"] for i in items if i["kind"] == "report"],
        link_ids=[i["object_id"] for i in items if i["kind"] == "link"],
    )


# --- Timeline of a set of entities ------------------------------------------------------------

# The most entities one set timeline takes (a chart's or a list page's worth).
SET_TIMELINE_ENTITIES = 100
SET_TIMELINE_LIMIT = 300
SET_TIMELINE_MAX = 1_000
SET_TIMELINE_KINDS = ("report", "link")


def visible_entities(user: User, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The entities among ``ids`` the reader may see (``id``, ``name``, ``kind``), by name:
    one query. A hidden id is left out exactly as a missing one is."""
    rows = Entity.objects.visible_to(user).filter(pk__in=list(ids)).values("id", "name", "kind")
    return sorted(rows, key=lambda row: (row["name"], row["id"]))


class EntitySetError(ValueError):
    """The ids asked for do not make a set the reader may see; ``unseen`` lists the ids that
    name no entity visible to them (missing and hidden alike, so the message is the same)."""

    def __init__(self, message: str, unseen: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.unseen = list(unseen)


def entity_set(user: User, text: str | None) -> list[dict[str, Any]]:
    """The entities ``text`` names (ids separated by commas or spaces), each visible to
    ``user``: one query. Raises :class:`EntitySetError` when none is named, one is not a whole
    number, there are more than ``SET_TIMELINE_ENTITIES``, or one names no entity the reader
    may see, whether it is missing or outside their compartments (the same message)."""
    parts = split_list(text)
    if not parts:
        raise EntitySetError(_("Name at least one entity: ids separated by commas or spaces."))
    wanted: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit()):
            raise EntitySetError(_("An entity id is a whole number."))
        number = int(part)
        if number not in wanted:
            wanted.append(number)
    if len(wanted) > SET_TIMELINE_ENTITIES:
        raise EntitySetError(
            _("At most %(count)s entities at once.") % {"count": SET_TIMELINE_ENTITIES}
        )
    # Beyond a bigint no record can exist: never sent to the database.
    found = visible_entities(user, [pk for pk in wanted if 0 < pk <= 2**63 - 1])
    seen = {row["id"] for row in found}
    unseen = [pk for pk in wanted if pk not in seen]
    if unseen:
        raise EntitySetError(
            _("No entity visible to you has these ids: %(ids)s.")
            % {"ids": ", ".join(map(str, unseen))},
            unseen,
        )
    return found


def entity_set_timeline(
    user: User,
    entity_ids: Sequence[int],
    *,
    kinds: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = SET_TIMELINE_LIMIT,
) -> Timeline:
    """What happened around a set of entities, newest first: the reports naming any of them
    and the links made to or from any of them, each once, with ``entities``: the ids of the
    set's entities it concerns (a report naming two of them is one item naming both).

    ``entity_ids`` are the visible entities of the set (the caller resolved them with
    :func:`visible_entities`). ``kinds`` narrows to ``report`` and/or ``link``; ``since`` is
    inclusive, ``until`` exclusive. At most ``limit`` items, ``truncated`` when there were more.
    Three queries at most whatever the size of the set: the reports, the mentions tying those
    reports to the set, the links.
    """
    ids = sorted(set(entity_ids))
    wanted = set(kinds or SET_TIMELINE_KINDS)
    items: list[dict[str, Any]] = []
    if ids and "report" in wanted and user.has_perm(VIEW_REPORT):
        mentions = ReportEntity.objects.visible_to(user).filter(entity_id__in=ids)
        reports = (
            Report.objects.visible_to(user)
            .filter(pk__in=mentions.values("report_id"))
            .annotate(at=Coalesce("occurred_at", "occurred_from", "created_at"))
        )
        if since is not None:
            reports = reports.filter(at__gte=since)
        if until is not None:
            reports = reports.filter(at__lt=until)
        rows = list(reports.order_by("-at", "-id").values("id", "at", "urn")[: limit + 1])
        concerned: dict[int, set[int]] = {}
        for report_id, entity_id in mentions.filter(
            report_id__in=[row["id"] for row in rows]
        ).values_list("report_id", "entity_id"):
            concerned.setdefault(report_id, set()).add(entity_id)
        for row in rows:
            items.append(
                {
                    "at": row["at"],
                    "kind": "report",
                    "title": str(row["urn"]),
                    "object_type": "intelligence.report",
                    "object_id": row["id"],
                    "entities": sorted(concerned.get(row["id"], ())),
                }
            )
    if ids and "link" in wanted and user.has_perm(VIEW_LINK):
        links = Link.objects.visible_to(user).filter(
            Q(from_entity_id__in=ids) | Q(to_entity_id__in=ids)
        )
        if since is not None:
            links = links.filter(created_at__gte=since)
        if until is not None:
            links = links.filter(created_at__lt=until)
        members = set(ids)
        for row in links.order_by("-created_at", "-id").values(
            "id",
            "created_at",
            "kind",
            "strength",
            "from_entity_id",
            "to_entity_id",
            "from_entity__name",
            "to_entity__name",
        )[: limit + 1]:
            # Both ends are visible to the reader (a link's ends are required references).
            kind = str(LinkKind(row["kind"]).label).lower()
            strength = str(LinkStrength(row["strength"]).label).lower()
            ends = {row["from_entity_id"], row["to_entity_id"]}
            items.append(
                {
                    "at": row["created_at"],
                    "kind": "link",
                    "title": (
                        f"{row['from_entity__name']} – {kind} – {row['to_entity__name']}"
                        f" ({strength})"
                    ),
                    "object_type": "intelligence.link",
                    "object_id": row["id"],
                    "entities": sorted(ends & members),
                }
            )
    items.sort(key=lambda item: (item["at"], item["kind"], item["object_id"]), reverse=True)
    truncated = len(items) > limit
    items = items[:limit]
    return Timeline(
        items=items,
        truncated=truncated,
        report_ids=[i["object_id"] for i in items if i["kind"] == "report"],
        link_ids=[i["object_id"] for i in items if i["kind"] == "link"],
    )
