"""The analyst's workbench API (issue 16): an entity's timeline, its neighbourhood, the shortest
paths between two entities, and typeahead look-ups for pickers.

The views parse their parameters and call the selectors of ``intelligence.graph`` and
``intelligence.lookup``; the restriction, the role check, the justification and the refusals'
events come from ``RestrictedViewSetMixin`` as for every other read of intelligence. An
entity outside the caller's compartments answers 404 exactly as a missing one does, and
nothing the caller may not see is ever followed, named or counted. Each answer is one
consultation event: ``view`` of the entity for its timeline, ``search`` naming the start entity
(its id, never its name) with the ids and counts found for the graph and the look-ups.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.models import User
from ilp_platform.web.api import RestrictedViewSetMixin, RolePermissions, requires
from intelligence import graph, lookup
from intelligence.models import Entity

# The largest id the database stores (a bigint): anything above names no record.
MAX_ID = 2**63 - 1


# --- Parameters -------------------------------------------------------------------------------


def _person(request: Request) -> User:
    """The signed-in caller (the permission classes turned anyone else away)."""
    return cast(User, request.user)


def _param(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


def _record_id(request: Request, name: str) -> int | None:
    """A required id parameter: 400 naming it when missing or not a whole number; None for a
    number no record can have (then the caller answers 404, as for a missing record)."""
    value = _param(request, name)
    if not value:
        raise exceptions.ValidationError({name: [_("This parameter is required (an entity id).")]})
    if not (value.isascii() and value.isdigit()):
        raise exceptions.ValidationError({name: [_("An entity id is a whole number.")]})
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _whole_number(request: Request, name: str, low: int, high: int, default: int) -> int:
    value = _param(request, name)
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise exceptions.ValidationError(
            {name: [_("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]}
        )
    return int(value)


def _moment(request: Request, name: str, *, end: bool) -> dt.datetime | None:
    """A date (``YYYY-MM-DD``, the whole day) or an ISO 8601 date-time; a date-time without a
    zone is read in the platform's time zone. ``end``: the moment just after it (for ``to``)."""
    value = _param(request, name)
    if not value:
        return None
    problem = exceptions.ValidationError(
        {name: [_("A date (YYYY-MM-DD) or an ISO 8601 date-time is required.")]}
    )
    try:
        # A date first: parse_datetime reads a bare date as its midnight.
        day = parse_date(value)
        if day is not None:
            if end:
                day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time.min)
        else:
            parsed = parse_datetime(value)
            if parsed is None:
                raise problem
            moment = parsed + dt.timedelta(microseconds=1) if end else parsed
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    except (ValueError, OverflowError):
        raise problem from None
    return moment


def _parameter(name: str, schema: Any, description: str, required: bool = False):
    return OpenApiParameter(name, schema, required=required, description=description)


_ENTITY_ID = {"type": "integer", "minimum": 1}
_FROM = _parameter(
    "from",
    OpenApiTypes.STR,
    "Only items at or after this date (YYYY-MM-DD) or ISO 8601 date-time.",
)
_TO = _parameter(
    "to",
    OpenApiTypes.STR,
    "Only items up to this date (the whole day, YYYY-MM-DD) or ISO 8601 date-time.",
)
_LIMIT = _parameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": graph.TIMELINE_MAX},
    f"How many items at most (default {graph.TIMELINE_LIMIT}); `truncated` says when there "
    "were more: ask again with `to` set to the oldest one shown.",
)
_DEPTH = _parameter(
    "depth",
    {"type": "integer", "minimum": 1, "maximum": graph.MAX_DEPTH},
    f"How many links away from the entity (1 to {graph.MAX_DEPTH}; default 1).",
)


# --- Response shapes (documentation and output) -----------------------------------------------


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        help_text="When: a report's occurrence time (or when it was recorded), a link's creation."
    )
    kind = serializers.CharField(help_text="One of: report, link.")
    title = serializers.CharField()
    object_type = serializers.CharField(help_text="intelligence.report or intelligence.link.")
    object_id = serializers.IntegerField()


class EntityTimelineSerializer(serializers.Serializer):
    results = TimelineItemSerializer(many=True, help_text="Newest first.")
    truncated = serializers.BooleanField(help_text="More items match than were given.")


class SetTimelineItemSerializer(TimelineItemSerializer):
    entities = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the set's entities the item concerns (a report naming two of them "
        "is one item naming both).",
    )


class EntitySetMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The entity's kind.")


class EntitySetTimelineSerializer(serializers.Serializer):
    entities = EntitySetMemberSerializer(many=True, help_text="The set's entities, by name.")
    results = SetTimelineItemSerializer(many=True, help_text="Newest first.")
    truncated = serializers.BooleanField(help_text="More items match than were given.")


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The entity's kind.")


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The link's id.")
    # A field named like a Field attribute: DRF takes declared fields off the class.
    source = serializers.IntegerField(help_text="The entity the link is from.")  # type: ignore[assignment]
    target = serializers.IntegerField(help_text="The entity the link is to.")
    strength = serializers.CharField(help_text="One of: confirmed, tentative, unconfirmed.")
    kind = serializers.CharField(help_text="The link's kind.")


class GraphNeighboursSerializer(serializers.Serializer):
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text=f"Entities (over {graph.MAX_NODES}) or links (over {graph.MAX_EDGES}) were "
        "left out."
    )


class GraphPathSerializer(GraphNeighboursSerializer):
    length = serializers.IntegerField(
        allow_null=True,
        help_text="Links on a shortest path; null when there is no path (nodes and edges are "
        "then empty).",
    )


class LookupMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField(help_text="The kind asked for.")
    detail = serializers.CharField()


class LookupAnswerSerializer(serializers.Serializer):
    results = LookupMatchSerializer(many=True)


# --- Views ------------------------------------------------------------------------------------


class _EntityReadView(RestrictedViewSetMixin, generics.GenericAPIView):
    """Reads about entities: ``view_entity`` and ``view_link`` (the role check), then
    ``visible_to`` (404 outside the caller's compartments), the justification and the events."""

    queryset = Entity.objects.all()
    permission_classes = [
        permissions.IsAuthenticated,
        RolePermissions,
        requires("intelligence.view_link"),
    ]
    filter_backends: list = []
    pagination_class = None
    # The entity a refusal names (``ilp_platform.web.api.exception_handler`` reads it here).
    lookup_url_kwarg = "entity"

    def visible_entity(self, pk: int | None, raw: str) -> Entity:
        entity = None if pk is None else graph.visible_entity(_person(self.request), pk)
        if entity is None:
            self.kwargs[self.lookup_url_kwarg] = raw
            raise exceptions.NotFound(_("Not found."))
        return entity


@extend_schema(tags=["intelligence"])
class EntityTimelineView(_EntityReadView):
    """What happened around an entity, newest first: the reports naming it and the links made
    to or from it, those you may see only."""

    serializer_class = EntityTimelineSerializer
    lookup_url_kwarg = "pk"

    @extend_schema(parameters=[_FROM, _TO, _LIMIT], responses=EntityTimelineSerializer)
    def get(self, request: Request, pk: int) -> Response:
        since = _moment(request, "from", end=False)
        until = _moment(request, "to", end=True)
        if since is not None and until is not None and until <= since:
            raise exceptions.ValidationError({"to": [_("Must come after `from`.")]})
        limit = _whole_number(request, "limit", 1, graph.TIMELINE_MAX, graph.TIMELINE_LIMIT)
        entity = self.visible_entity(pk if pk <= MAX_ID else None, str(pk))
        timeline = graph.entity_timeline(
            _person(request), entity, since=since, until=until, limit=limit
        )
        audit.consultation(
            Action.VIEW,
            obj=entity,
            count=len(timeline.items),
            details={
                "view": "timeline",
                "reports": timeline.report_ids,
                "links": timeline.link_ids,
                "truncated": timeline.truncated,
                "filters": dict(request.query_params.items()),
            },
        )
        answer = {"results": timeline.items, "truncated": timeline.truncated}
        return Response(EntityTimelineSerializer(answer).data)


_IDS = _parameter(
    "ids",
    OpenApiTypes.STR,
    f"The entities, by id, separated by commas or spaces (1 to {graph.SET_TIMELINE_ENTITIES}). "
    "An id naming no entity you may see answers 400 naming `ids`, whether it is missing or "
    "outside your compartments.",
    required=True,
)
_KIND = _parameter(
    "kind",
    OpenApiTypes.STR,
    "Only these kinds of item, separated by commas: `report`, `link` (default both).",
)
_SET_LIMIT = _parameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": graph.SET_TIMELINE_MAX},
    f"How many items at most (default {graph.SET_TIMELINE_LIMIT}); `truncated` says when there "
    "were more: ask again with `to` set to the oldest one shown.",
)


@extend_schema(tags=["intelligence"])
class EntitySetTimelineView(_EntityReadView):
    """What happened around a set of entities, newest first: the reports naming any of them
    and the links made to or from any of them, each once, saying which of the set's entities
    it concerns; those you may see only."""

    serializer_class = EntitySetTimelineSerializer

    @extend_schema(
        operation_id="entities_set_timeline",
        parameters=[_IDS, _KIND, _FROM, _TO, _SET_LIMIT],
        responses=EntitySetTimelineSerializer,
    )
    def get(self, request: Request) -> Response:
        since = _moment(request, "from", end=False)
        until = _moment(request, "to", end=True)
        if since is not None and until is not None and until <= since:
            raise exceptions.ValidationError({"to": [_("Must come after `from`.")]})
        limit = _whole_number(request, "limit", 1, graph.SET_TIMELINE_MAX, graph.SET_TIMELINE_LIMIT)
        kinds = [part.strip() for part in _param(request, "kind").split(",") if part.strip()]
        if any(kind not in graph.SET_TIMELINE_KINDS for kind in kinds):
            raise exceptions.ValidationError({"kind": [_("Kinds are `report` and `link`.")]})
        person = _person(request)
        try:
            entities = graph.entity_set(person, _param(request, "ids"))
        except graph.EntitySetError as problem:
            if problem.unseen:
                # For oversight only: the caller's answer is the same for missing and hidden.
                audit.record_denied(
                    object_type="intelligence.entity",
                    object_id=str(problem.unseen[0]),
                    reason=f"{request.method} {request.path}: no visible entity with ids "
                    + ", ".join(map(str, problem.unseen[:20])),
                )
            raise exceptions.ValidationError({"ids": [problem.message]}) from None
        ids = [entity["id"] for entity in entities]
        timeline = graph.entity_set_timeline(
            person, ids, kinds=kinds or None, since=since, until=until, limit=limit
        )
        audit.consultation(
            Action.VIEW,
            object_type="intelligence.entity",
            ids=ids,
            count=len(timeline.items),
            details={
                "view": "entity set timeline",
                "reports": timeline.report_ids,
                "links": timeline.link_ids,
                "truncated": timeline.truncated,
                "filters": dict(request.query_params.items()),
            },
        )
        answer = {"entities": entities, "results": timeline.items, "truncated": timeline.truncated}
        return Response(EntitySetTimelineSerializer(answer).data)


def _graph_event(start: Entity, result: graph.Graph, **details: Any) -> None:
    audit.consultation(
        Action.SEARCH,
        obj=start,
        ids=[node["id"] for node in result.nodes],
        count=len(result.nodes),
        details={
            **details,
            "edges": len(result.edges),
            "links": [edge.id for edge in result.edges],
            "truncated": result.truncated,
        },
    )


@extend_schema(tags=["intelligence"])
class GraphNeighboursView(_EntityReadView):
    """The entities within ``depth`` links of an entity and the links between them, over links
    you may see whose both ends you may see."""

    serializer_class = GraphNeighboursSerializer

    @extend_schema(
        parameters=[
            _parameter("entity", _ENTITY_ID, "The entity to start from.", required=True),
            _DEPTH,
        ],
        responses=GraphNeighboursSerializer,
    )
    def get(self, request: Request) -> Response:
        pk = _record_id(request, "entity")
        depth = _whole_number(request, "depth", 1, graph.MAX_DEPTH, 1)
        start = self.visible_entity(pk, _param(request, "entity"))
        result = graph.neighbours(_person(request), start, depth)
        _graph_event(start, result, graph="neighbours", depth=depth)
        return Response(GraphNeighboursSerializer(result.as_dict()).data)


@extend_schema(tags=["intelligence"])
class GraphPathView(_EntityReadView):
    """Every shortest path (up to 8 links) between two entities, as one graph, over links you
    may see whose both ends you may see. No path: 200 with ``length`` null and nothing else
    (a path through a record you may not see is no path)."""

    serializer_class = GraphPathSerializer

    @extend_schema(
        parameters=[
            _parameter("from", _ENTITY_ID, "The entity the path starts from.", required=True),
            _parameter("to", _ENTITY_ID, "The entity the path ends at.", required=True),
        ],
        responses=GraphPathSerializer,
    )
    def get(self, request: Request) -> Response:
        errors: dict[str, list[str]] = {}
        ids: dict[str, int | None] = {}
        for name in ("from", "to"):
            try:
                ids[name] = _record_id(request, name)
            except exceptions.ValidationError as exc:
                errors.update(exc.detail)  # type: ignore[arg-type]
        if errors:
            raise exceptions.ValidationError(errors)
        source = self.visible_entity(ids["from"], _param(request, "from"))
        target = self.visible_entity(ids["to"], _param(request, "to"))
        result = graph.shortest_paths(_person(request), source, target)
        _graph_event(source, result, graph="path", to=target.pk, length=result.length)
        return Response(GraphPathSerializer({**result.as_dict(), "length": result.length}).data)


class LookupPermission(permissions.BasePermission):
    """The kind asked for needs its own permission (``intelligence.lookup.PERMISSIONS``); with
    no valid kind, any of them (the 400 then names ``kind``)."""

    message = "Your role does not allow looking these records up."

    def has_permission(self, request, view) -> bool:
        kind = _param(request, "kind")
        if kind in lookup.KINDS:
            return lookup.may_look_up(request.user, kind)
        return lookup.may_look_anything_up(request.user)


@extend_schema(tags=["intelligence"])
class LookupView(RestrictedViewSetMixin, generics.GenericAPIView):
    """Typeahead for pickers: up to 20 records of one kind whose label contains ``q`` (any
    case; those starting with it first), drawn only from what you may see. People (``user``)
    are offered to administrators and to managers who assign taskings."""

    permission_classes = [permissions.IsAuthenticated, LookupPermission]
    serializer_class = LookupAnswerSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(lookup.KINDS), required=True),
            _parameter(
                "q",
                {"type": "string", "minLength": lookup.MIN_QUERY, "maxLength": lookup.MAX_QUERY},
                "What was typed: part of a name, URN, reference, title or username.",
                required=True,
            ),
        ],
        responses=LookupAnswerSerializer,
    )
    def get(self, request: Request) -> Response:
        kind, q = _param(request, "kind"), _param(request, "q")
        errors = {}
        if kind not in lookup.KINDS:
            errors["kind"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(lookup.KINDS)}
            ]
        if len(q) < lookup.MIN_QUERY:
            errors["q"] = [_("Type at least %(count)s characters.") % {"count": lookup.MIN_QUERY}]
        elif len(q) > lookup.MAX_QUERY:
            errors["q"] = [_("At most %(count)s characters.") % {"count": lookup.MAX_QUERY}]
        if errors:
            raise exceptions.ValidationError(errors)
        matches = lookup.lookup(_person(request), kind, q)
        audit.consultation(
            Action.SEARCH,
            object_type=matches.object_type,
            ids=[item["id"] for item in matches.items],
            query=q,
            count=len(matches.items),
            details={"filters": {"kind": kind}},
        )
        return Response(LookupAnswerSerializer({"results": matches.items}).data)
