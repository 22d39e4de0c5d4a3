"""Reads: every function starts from ``visible_to(user)`` so nothing escapes the compartments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, Count, F, Max, Min, Q, Subquery
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce
from django.utils import timezone

from ilp_platform.core.paging import _decode, _encode
from intelligence import grading
from intelligence.choices import ReportStatus
from intelligence.models import Entity, Identifier, Report, Source
from intelligence.models.reports import EVALUATE

if TYPE_CHECKING:
    from ilp_platform.accounts.models import User

# Reviews falling due within this many days already appear in the review queue.
REVIEW_HORIZON_DAYS = 30
# Search ranks at most this many matches (the most recent ones): ranking is the costly step,
# and a person reads the first pages only. A narrower query finds older records.
SEARCH_CANDIDATES = 1000
SEARCH_CONFIG = "english"
# A search the planner expects to match at most this many reports (in the whole table, before
# the compartments) starts from the text index; any other walks the reports newest first.
SEARCH_TEXT_FIRST = 10_000


def report_list_queryset(queryset):
    return queryset.select_related(
        "compartment", "submitted_by", "evaluated_by", "source", "retention_class"
    )


def awaiting_evaluation(user: User):
    """Submitted reports someone else wrote (four eyes): the evaluator's queue, each with
    ``waiting_since`` (when it was submitted; when it was recorded if that is unknown)."""
    return (
        Report.objects.visible_to(user)
        .filter(status=ReportStatus.SUBMITTED)
        .exclude(submitted_by=user.pk)
        .annotate(waiting_since=Coalesce("submitted_at", "created_at"))
    )


# What the queue shows of the reports deferred to a later day (``?deferred=``): by default
# nothing; ``include`` shows them among the others; ``only`` shows them alone.
DEFERRED_INCLUDE = "include"
DEFERRED_ONLY = "only"


def by_deferral(queryset, choice: str = "", today=None):
    """The queue without the reports deferred to a day after ``today`` (the default), with
    them (``include``), or only them (``only``). A report deferred until a day comes back on
    that day."""
    later = Q(deferred_until__gt=today or timezone.localdate())
    if choice == DEFERRED_INCLUDE:
        return queryset
    if choice == DEFERRED_ONLY:
        return queryset.filter(later)
    return queryset.exclude(later)


def selected_reports(user: User, ids: Sequence[int]):
    """The reports of ``ids`` that ``user`` may see, and the ids that name none of them (a
    missing report and one outside the person's reach answer the same)."""
    wanted = list(dict.fromkeys(ids))
    queryset = Report.objects.visible_to(user).filter(pk__in=wanted)
    found = set(queryset.values_list("pk", flat=True))
    return queryset, [pk for pk in wanted if pk not in found]


@dataclass
class Evaluator:
    """Someone a report can be assigned to, with the compartments (of the chooser's) they hold."""

    user: User
    compartments: list[str]


def assignable_evaluators(actor: User) -> list[Evaluator]:
    """Active people holding the permission to evaluate and at least one compartment ``actor``
    holds, by name: whom the queue's bulk bar offers. Only the chooser's compartments are named,
    so the list tells nothing of the others. Whether each report may go to the one chosen (it
    must be visible to them) is for ``assign_reports`` to say. Four queries, whatever the size
    of the queue."""
    from django.contrib.auth.models import Permission

    from ilp_platform.accounts.grants import VIEW_CODENAME
    from ilp_platform.accounts.models import (
        Compartment,
        CompartmentGroupObjectPermission,
        CompartmentUserObjectPermission,
    )
    from ilp_platform.accounts.models import User as UserModel

    app_label, codename = EVALUATE.split(".")
    evaluate = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    held = dict(Compartment.objects.visible_to(actor).values_list("pk", "name"))
    evaluators = (
        UserModel.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=evaluate)
            | Q(groups__permissions__in=evaluate)
        )
        .values("pk")
    )
    grants = {"permission__codename": VIEW_CODENAME, "content_object__in": list(held)}
    direct = CompartmentUserObjectPermission.objects.filter(
        user__in=evaluators, **grants
    ).values_list("user_id", "content_object_id")
    through_groups = CompartmentGroupObjectPermission.objects.filter(
        group__user__in=evaluators, **grants
    ).values_list("group__user", "content_object_id")
    holdings: dict[int, set[int]] = {}
    for user_id, compartment_id in [*direct, *through_groups]:
        holdings.setdefault(user_id, set()).add(compartment_id)
    people = sorted(
        UserModel.objects.filter(pk__in=list(holdings)),
        key=lambda person: (str(person).casefold(), person.username),
    )
    return [
        Evaluator(person, sorted((held[c] for c in holdings[person.pk]), key=str.casefold))
        for person in people
    ]


def evaluation_overdue_before(now=None):
    """Reports waiting since before this moment are past the evaluation target."""
    hours = settings.ILP["EVALUATION_TARGET_HOURS"]
    return (now or timezone.now()) - timedelta(hours=hours)


def review_queue(user: User, today=None):
    today = today or timezone.localdate()
    return Report.objects.visible_to(user).due_for_review(
        today + timedelta(days=REVIEW_HORIZON_DAYS)
    )


def source_reliability(source: Source, user: User) -> list[dict]:
    """How the source has been graded on its reports: counts per scheme and code, newest first.

    Only the reports the person may see count, so the history never reveals hidden reports.
    """
    rows = (
        Report.objects.visible_to(user)
        .filter(source=source)
        .exclude(status__in=[ReportStatus.DRAFT])
        .values("grading_scheme", "source_evaluation")
        .annotate(reports=Count("id"), last_graded=Max("evaluated_at"))
        .order_by("grading_scheme", "source_evaluation")
    )
    return [
        {
            "scheme": row["grading_scheme"],
            "code": row["source_evaluation"],
            "meaning": grading.meaning(
                row["grading_scheme"], grading.SOURCE, row["source_evaluation"]
            ),
            "reports": row["reports"],
            "last_graded": row["last_graded"],
        }
        for row in rows
    ]


def duplicate_candidates(user: User, *, kind: str, name: str, date_of_birth=None, identifiers=()):
    """Existing entities that are probably the same as the one about to be created.

    Same kind and normalised name (people: and the same date of birth, or one of them
    unknown; vehicles: the normalised registration), or any shared identifier (phone digits,
    lower-case email, handle, registration).
    """
    from intelligence.choices import EntityKind, IdentifierKind
    from intelligence.models.entities import normalise_identifier, normalise_name

    visible = Entity.objects.visible_to(user).current()
    if kind == EntityKind.VEHICLE:
        key = normalise_identifier(IdentifierKind.VEHICLE_REGISTRATION, name)
    else:
        key = normalise_name(name)
    match = Q(kind=kind, name_key=key) if key else Q(pk__in=[])
    if kind == EntityKind.PERSON and date_of_birth:
        match &= Q(date_of_birth=date_of_birth) | Q(date_of_birth__isnull=True)
    identifier_match = Q()
    for ident_kind, value in identifiers:
        value_key = normalise_identifier(ident_kind, value)
        if value_key:
            identifier_match |= Q(kind=ident_kind, value_key=value_key)
    if identifier_match:
        match |= Q(pk__in=Identifier.objects.filter(identifier_match).values("entity_id"))
    return visible.filter(match).select_related("compartment").prefetch_related("identifiers")[:20]


@dataclass
class SearchPage:
    items: list
    total: int  # matches considered (at most SEARCH_CANDIDATES)
    next_cursor: str | None
    has_previous: bool
    capped: bool


def _postgres() -> bool:
    return connection.vendor == "postgresql"


class _AmongMatches(Expression):
    """``id = ANY(ARRAY(SELECT id FROM reports matching the text))``: redundant beside the
    text condition (it admits the same reports), it tells the planner how few they are."""

    conditional = True
    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, search: SearchQuery):
        super().__init__(output_field=BooleanField())
        self.pk = F("pk")
        self.matches = Subquery(Report.objects.filter(search_vector=search).values("id"))

    def get_source_expressions(self) -> list:
        return [self.pk, self.matches]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.pk, self.matches = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        matches_sql, matches_params = compiler.compile(self.matches)
        return f"{pk_sql} = ANY(ARRAY{matches_sql})", [*pk_params, *matches_params]


def _text_first(search: SearchQuery) -> bool:
    """Whether the planner expects few enough matches (in the whole table) that reading them
    from the text index beats walking the reports newest first.

    The planner cannot know how few of a term's matches lie in the caller's compartments, so
    left alone it walks the reports newest first hoping to meet enough of them soon, which for
    a rare term means the whole table (a second at 1,000,000 reports). Its estimate of the
    term's matches alone is good (the column's statistics); one ``EXPLAIN`` reads it.
    """
    plan = json.loads(
        Report.objects.filter(search_vector=search).values("id").explain(format="json")
    )
    return plan[0]["Plan"]["Plan Rows"] <= SEARCH_TEXT_FIRST


def _text_filter(queryset, search: SearchQuery):
    queryset = queryset.filter(search_vector=search)
    if _text_first(search):
        queryset = queryset.filter(_AmongMatches(search))
    return queryset


def matching_reports(queryset, query: str):
    """Reports in ``queryset`` matching the query, best first.

    PostgreSQL: the stored tsvector (GIN index); the most recent SEARCH_CANDIDATES matches are
    ranked, then ordered by rank and recency (a rare term's matches are read from the text
    index first, see ``_text_first``). SQLite: every word must appear in the search document
    (case-insensitive), newest first.
    """
    if _postgres():
        search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        candidates = _text_filter(queryset, search).order_by("-id").values("id")[:SEARCH_CANDIDATES]
        return (
            Report.objects.filter(id__in=candidates)
            .annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "-id")
        )
    for word in query.split():
        queryset = queryset.filter(search_document__icontains=word)
    candidates = queryset.order_by("-id").values("id")[:SEARCH_CANDIDATES]
    return Report.objects.filter(id__in=candidates).order_by("-id")


def search_reports(
    user: User, query: str, filtered_queryset, *, cursor: str | None, size: int = 25
):
    """One page of search results; ``filtered_queryset`` is already ``visible_to(user)``.

    The ordered ids of every candidate are read in one query (bounded), the page's reports in
    a second; the cursor is the last id shown, so the next page starts just after it.
    """
    ranked_ids = list(matching_reports(filtered_queryset, query).values_list("id", flat=True))
    start = 0
    after = _decode(cursor) if cursor else None
    if after is not None and after in ranked_ids:
        start = ranked_ids.index(after) + 1
    page_ids = ranked_ids[start : start + size]
    by_id = {
        report.pk: report
        for report in report_list_queryset(Report.objects.filter(pk__in=page_ids)).prefetch_related(
            "crime_types"
        )
    }
    items = [by_id[pk] for pk in page_ids if pk in by_id]
    more = start + size < len(ranked_ids)
    return SearchPage(
        items=items,
        total=len(ranked_ids),
        next_cursor=_encode(page_ids[-1]) if more and page_ids else None,
        has_previous=start > 0,
        capped=len(ranked_ids) >= SEARCH_CANDIDATES,
    )


def filter_matching(queryset, query: str):
    """The restricted queryset narrowed to reports matching ``query`` (the API's ``?q=``).

    The API pages newest first with its cursor; the search page orders by relevance.
    """
    if _postgres():
        search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        return _text_filter(queryset, search)
    for word in query.split():
        queryset = queryset.filter(search_document__icontains=word)
    return queryset


def recent_report_extent(user) -> list[float] | None:
    """[min_lon, min_lat, max_lon, max_lat] of the places the person's visible reports give
    (the latest thousand with a place): where the report form's map opens. An aggregate over
    a bounded set, so it costs the same at any size; None when none gives a place."""
    recent = (
        Report.objects.visible_to(user)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-id")
        .values("pk")[:1000]
    )
    box = Report.objects.filter(pk__in=recent).aggregate(
        min_lon=Min("longitude"),
        min_lat=Min("latitude"),
        max_lon=Max("longitude"),
        max_lat=Max("latitude"),
    )
    if box["min_lon"] is None:
        return None
    return [box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"]]
