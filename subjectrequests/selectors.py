"""The subject search: every record across ALL compartments that may hold a person's data.

This module is a deliberate, documented exemption from the access rule (``visible_to``): the
data-protection officer, who holds no compartment, must answer a person about everything the
controller holds on them (LED Arts. 14-17). It reads the models' managers directly, so it
must never serve anything but a data-subject request: ``subjectrequests.services.run_search``
is its only caller (``tests/subjectrequests/test_exemption.py`` proves it), which ties every
search to a registered request, audits its query (as digests) and its hits, and keeps the hits
on the request, where only the officer reads them.

What is matched (``find_data_subject``):
- entities whose normalised name is the person's name or one of their other names, unless the
  entity's date of birth is known and differs from the person's; entities with the person's
  date of birth whose name ends with the person's surname; entities holding one of the
  person's identifiers (each line read as a phone number, email, handle, registration...);
- reports naming one of those entities, and reports whose search document matches one of the
  names as a phrase (PostgreSQL: the stored ``tsvector`` and its GIN index; SQLite: the
  document's text); erased reports (tombstones) hold nothing and are left out.
Merged entities are found through the entity they were merged into.

The lookups use existing indexes (entity ``name_key``, identifier ``value_key``, the reports'
``search_vector``, the mention table's entity key), so a name plus a date of birth is answered
in a few index probes however many reports there are (``benchmarks/subjects.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q

from intelligence.choices import IdentifierKind, ReportStatus
from intelligence.models import Entity, Identifier, Report, ReportEntity
from intelligence.models.entities import normalise_identifier, normalise_name

# At most this many records of each kind per search: a name so common that it finds more
# needs the person's other details (date of birth, identifiers) to narrow it.
MAX_ENTITIES = 200
MAX_REPORTS = 500
SEARCH_CONFIG = "english"  # the configuration the reports' search vectors are built with
EXCERPT_CHARS = 2000


@dataclass
class Found:
    kind: str  # "entity" or "report"
    record: Any
    reasons: list[str] = field(default_factory=list)


@dataclass
class Matches:
    entities: list[Found]
    reports: list[Found]
    capped: bool = False

    @property
    def all(self) -> list[Found]:
        return [*self.entities, *self.reports]


def _names(name: str, other_names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for text in [name, *other_names]:
        key = normalise_name(text)
        if key and key not in seen:
            seen[key] = text.strip()
    return list(seen)


def _identifier_keys(identifiers: Iterable[str]) -> set[str]:
    keys = set()
    for value in identifiers:
        for kind in IdentifierKind.values:
            key = normalise_identifier(kind, value)
            if key:
                keys.add(key)
    return keys


def _entities(
    names: Sequence[str], date_of_birth: date | None, identifiers: Iterable[str]
) -> tuple[dict[int, list[str]], bool]:
    reasons: dict[int, list[str]] = {}

    def add(pk: int, reason: str) -> None:
        reasons.setdefault(pk, [])
        if reason not in reasons[pk]:
            reasons[pk].append(reason)

    def current(pk: int, merged_into: int | None) -> int:
        return merged_into or pk

    if names:
        named = Entity.objects.filter(name_key__in=names).values_list(
            "pk", "merged_into_id", "name_key", "date_of_birth"
        )[: MAX_ENTITIES * 2]
        for pk, merged_into, key, born in named:
            if date_of_birth and born and born != date_of_birth:
                continue  # another person of the same name
            add(current(pk, merged_into), "name" if key == names[0] else "other name")
    if date_of_birth and names:
        surname = names[0].split()[-1]
        born_then = (
            Entity.objects.filter(date_of_birth=date_of_birth)
            .filter(Q(name_key=surname) | Q(name_key__endswith=f" {surname}"))
            .values_list("pk", "merged_into_id")[:MAX_ENTITIES]
        )
        for pk, merged_into in born_then:
            add(current(pk, merged_into), "date of birth and surname")
    keys = _identifier_keys(identifiers)
    if keys:
        holders = (
            Identifier.objects.filter(value_key__in=keys)
            .values_list("entity_id", "entity__merged_into_id")
            .distinct()[:MAX_ENTITIES]
        )
        for holder, keeper in holders:
            add(current(holder, keeper), "identifier")
    capped = len(reasons) > MAX_ENTITIES
    return dict(list(reasons.items())[:MAX_ENTITIES]), capped


def _text_matches(names: Sequence[str], limit: int) -> list[int]:
    live = Report.objects.exclude(status=ReportStatus.ERASED)
    if connection.vendor == "postgresql":
        condition = Q()
        for name in names:
            condition |= Q(
                search_vector=SearchQuery(name, config=SEARCH_CONFIG, search_type="phrase")
            )
        matched = live.filter(condition)
    else:
        condition = Q()
        for name in names:
            condition |= Q(search_document__icontains=name)
        matched = live.filter(condition)
    return list(matched.order_by("-id").values_list("id", flat=True)[:limit])


def find_data_subject(
    *,
    name: str,
    other_names: Iterable[str] = (),
    date_of_birth: date | None = None,
    identifiers: Iterable[str] = (),
) -> Matches:
    """Entities and reports that may hold the person's data, in every compartment (see the
    module's docstring for the rule and the exemption)."""
    names = _names(name, other_names)
    entity_reasons, capped = _entities(names, date_of_birth, list(identifiers))
    entities = {
        e.pk: e
        for e in Entity.objects.filter(pk__in=list(entity_reasons))
        .select_related("compartment")
        .prefetch_related("identifiers")
    }
    report_reasons: dict[int, list[str]] = {}
    mentions = (
        ReportEntity.objects.filter(entity_id__in=list(entities))
        .exclude(report__status=ReportStatus.ERASED)
        .order_by("-report_id")
        .values_list("report_id", "entity_id", "subject_category")[: MAX_REPORTS + 1]
    )
    for report_id, entity_id, category in mentions:
        reason = f"names {entities[entity_id].name}"
        if category:
            reason += f" ({category})"
        report_reasons.setdefault(report_id, []).append(reason)
    if names:
        for report_id in _text_matches(names, MAX_REPORTS + 1):
            report_reasons.setdefault(report_id, []).append("text matches the name")
    if len(report_reasons) > MAX_REPORTS:
        capped = True
        kept = sorted(report_reasons, reverse=True)[:MAX_REPORTS]
        report_reasons = {pk: report_reasons[pk] for pk in kept}
    reports = Report.objects.filter(pk__in=list(report_reasons)).select_related("compartment")
    return Matches(
        entities=[
            Found("entity", entities[pk], reasons)
            for pk, reasons in entity_reasons.items()
            if pk in entities
        ],
        reports=[
            Found("report", report, report_reasons[report.pk]) for report in reports.order_by("-id")
        ],
        capped=capped,
    )


def snapshot(found: Found) -> tuple[str, dict]:
    """(label, snapshot) of a found record: what the request's page and letter may show."""
    record = found.record
    if found.kind == "entity":
        return record.name[:200], {
            "kind": record.kind,
            "kind_label": str(record.get_kind_display()),
            "name": record.name,
            "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else "",
            "description": record.description,
            "identifiers": [f"{i.get_kind_display()}: {i.value}" for i in record.identifiers.all()],
        }
    occurred = record.occurred_at or record.occurred_from or record.submitted_at
    return record.urn, {
        "urn": record.urn,
        "status": record.status,
        "occurred": occurred.date().isoformat() if occurred else "",
        "recorded": record.created_at.date().isoformat() if record.created_at else "",
        "text": (record.sanitised_text or "")[:EXCERPT_CHARS],
        "place": record.place_name,
    }
