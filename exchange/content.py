"""What a package carries: checking a selection before it leaves, writing the document, checking
a received document item by item, and taking its items in.

Reads are set-based (one query per kind of record, never one per report) because a package may
hold tens of thousands of reports; writes on the receiving side are one ``COPY`` per kind of
record on PostgreSQL and one ``INSERT`` run over the rows in batches elsewhere (``store_rows``).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import JSONField, Model
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.choices import Action
from exchange import grading_map
from exchange import package as pkg
from exchange.models import Partner, ReceivedPackage
from ilp_platform.core.errors import MisuseError
from intelligence import grading
from intelligence import provenance as provenance_service
from intelligence.choices import (
    EntityKind,
    IdentifierKind,
    LinkKind,
    LinkStrength,
    ReportStatus,
    SubjectCategory,
)
from intelligence.models import (
    ORIGINATOR_CONSENT,
    Entity,
    Identifier,
    Link,
    Provenance,
    ProvenanceChannel,
    Report,
    ReportEntity,
    RetentionClass,
)
from intelligence.models.entities import normalise_identifier, normalise_name
from intelligence.services.reports import allocate_urns

MAX_REPORTS = 50_000

# The cyclic garbage collector stands aside while a package is built or taken in (see
# ``collector_paused``); a counter, so overlapping uses in threads restore it once.
_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration (reference counting still
    frees everything as usual).

    Building or taking in a package of 10,000 reports makes some 300,000 dicts and lists that
    live until the end and hold no cycles, and the collector, started every few hundred new
    objects, walks them again and again to find none (measured on 2026-12-07, CPU seconds of
    Python with the collector paused against running: building 0.64 to 0.69 against 1.09 to
    1.17, taking in 0.68 to 0.69 against 0.92 to 0.93). The collector resumes when the last
    overlapping pause ends."""
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


# Rows per INSERT on the receiving side: large enough to amortise the round trip, small enough
# to stay under SQLite's bound-parameter limit with a report's twenty-odd columns.
BATCH = 500

REPORT_FIELDS = (
    "id",
    "urn",
    "compartment_id",
    "status",
    "grading_scheme",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "sanitised_text",
    "has_special_category",
    "is_personal_assessment",
    "occurred_at",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "place_name",
    "evaluated_at",
)


@dataclass
class SelectionCheck:
    errors: dict[str, list[str]] = field(default_factory=dict)
    urns: list[str] = field(default_factory=list)
    compartment: Any = None
    rows: list[dict] = field(default_factory=list)
    mapped: dict[int, grading_map.Mapped] = field(default_factory=dict)
    item_conditions: dict[int, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _axis_name(axis: str) -> str:
    return str(grading.AXIS_LABELS[axis]).lower()


def check_selection(
    actor,
    *,
    partner: Partner,
    report_ids: list[int],
    legal_basis: str,
    conditions: list[str],
    grading_choices: dict,
    conditions_acknowledged: bool,
) -> SelectionCheck:
    """Everything that decides whether these reports may go to ``partner``, as errors by field
    naming each item (nothing is guessed: an unmappable grade waits for the sender's choice)."""
    check = SelectionCheck()
    if not (legal_basis or "").strip():
        check.add("legal_basis", _("State the legal basis for sending these reports."))
    if not partner.is_active:
        check.add("partner", _("This partner is no longer active."))
    unknown = [c for c in conditions if c not in provenance_service.CONDITIONS]
    if unknown:
        check.add(
            "conditions",
            _("Unknown conditions: %(codes)s (use %(allowed)s).")
            % {
                "codes": ", ".join(map(str, unknown)),
                "allowed": ", ".join(provenance_service.CONDITIONS),
            },
        )
    if not report_ids:
        check.add("reports", _("Choose at least one report."))
        return check
    if len(report_ids) > MAX_REPORTS:
        check.add("reports", _("At most %(max)s reports per package.") % {"max": MAX_REPORTS})
        return check
    rows = list(
        Report.objects.visible_to(actor)
        .filter(pk__in=report_ids)
        .order_by("id")
        # A received report's provenance, joined: its originator's conditions are checked.
        .values(*REPORT_FIELDS, "provenance__id")
    )
    check.rows = rows
    check.urns = [row["urn"] for row in rows]
    found = {row["id"] for row in rows}
    missing = [str(pk) for pk in report_ids if pk not in found]
    if missing:
        check.add(
            "reports",
            _("No report visible to you has the id %(ids)s.") % {"ids": ", ".join(missing[:20])},
        )
    compartments = {row["compartment_id"] for row in rows}
    if len(compartments) > 1:
        check.add(
            "reports",
            _("A package holds the reports of one compartment: choose reports of one compartment."),
        )
    elif compartments:
        compartment_id = compartments.pop()
        check.compartment = partner.intake_compartment.__class__.objects.get(pk=compartment_id)
        if not partner.sendable_compartments.filter(pk=compartment_id).exists():
            check.add(
                "reports",
                _(
                    "Reports of compartment “%(compartment)s” may not be sent to "
                    "%(partner)s (see the partner register)."
                )
                % {"compartment": check.compartment.slug, "partner": partner.name},
            )

    def listed(rows_: list[dict]) -> str:
        names = [r["urn"] for r in rows_]
        more = len(names) - 10
        text = ", ".join(names[:10])
        return text + (_(" and %(count)s more") % {"count": more} if more > 0 else "")

    not_evaluated = [r for r in rows if r["status"] != ReportStatus.EVALUATED]
    if not_evaluated:
        check.add(
            "reports",
            _("Only evaluated reports are sent; not evaluated: %(urns)s.")
            % {"urns": listed(not_evaluated)},
        )
    unsanitised = [r for r in rows if not (r["sanitised_text"] or "").strip()]
    if unsanitised:
        check.add(
            "reports",
            _("Only sanitised text is sent, and these have none: %(urns)s.")
            % {"urns": listed(unsanitised)},
        )
    special = [r for r in rows if r["has_special_category"]]
    if special:
        check.add(
            "reports",
            _("Reports holding special-category data are not sent to partner agencies: %(urns)s.")
            % {"urns": listed(special)},
        )
    # The originator's conditions on what we received from elsewhere.
    for row in rows:
        if row["provenance__id"] is not None:
            try:
                provenance_service.check_onward_sharing(Report.objects.get(pk=row["id"]))
            except ValidationError as exc:
                check.add("reports", " ".join(exc.messages))
    needs_ack: list[str] = []
    table = grading_map.mapping()
    rules_of: dict[tuple, Any] = {}
    for row in rows:
        rule_key = (row["grading_scheme"], row["handling_code"], row["handling_conditions"])
        if rule_key not in rules_of:
            rules_of[rule_key] = Report(
                grading_scheme=rule_key[0],
                handling_code=rule_key[1],
                handling_conditions=rule_key[2],
            ).disclosure_rules()
        rules = rules_of[rule_key]
        item_conditions = list(conditions)
        if rules.blocked_reason:
            check.add("reports", f"{row['urn']}: {rules.blocked_reason}")
        if rules.conditions or rules.needs_provider_permission:
            needs_ack.append(row["urn"])
        if rules.needs_provider_permission and ORIGINATOR_CONSENT not in item_conditions:
            item_conditions.append(ORIGINATOR_CONSENT)
        check.item_conditions[row["id"]] = sorted(set(item_conditions))
        grade = {axis: row[axis] for axis in grading_map.AXES}
        chosen = grading_choices.get(row["urn"])
        try:
            mapped = grading_map.carry(
                row["grading_scheme"],
                grade,
                partner.grading_scheme,
                chosen if isinstance(chosen, dict) else None,
                table=table,
            )
        except ValueError as exc:
            check.add("grading_choices", f"{row['urn']}: {exc}")
            continue
        check.mapped[row["id"]] = mapped
        for axis, allowed in mapped.undecided.items():
            check.add(
                "grading_choices",
                _(
                    "%(urn)s: %(axis)s “%(code)s” (%(meaning)s, %(from)s) has no faithful "
                    "counterpart in the partner's %(to)s scheme: choose one of %(allowed)s."
                )
                % {
                    "urn": row["urn"],
                    "axis": _axis_name(axis),
                    "code": row[axis],
                    "meaning": grading.meaning(row["grading_scheme"], axis, row[axis]),
                    "from": row["grading_scheme"],
                    "to": partner.grading_scheme,
                    "allowed": ", ".join(allowed),
                },
            )
        handling = mapped.codes.get(grading.HANDLING)
        if handling and partner.handling_codes and handling not in partner.handling_codes:
            check.add(
                "reports",
                _("%(urn)s: the partner does not accept handling code %(code)s.")
                % {"urn": row["urn"], "code": handling},
            )
    if needs_ack and not conditions_acknowledged:
        check.add(
            "conditions_acknowledged",
            _(
                "These reports carry handling conditions or need the provider's permission: "
                "acknowledge them before sending: %(urns)s."
            )
            % {"urns": ", ".join(needs_ack[:10])},
        )
    return check


CHUNK = 10_000


def _chunks(values: list[int]):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _time(value: dt.datetime | None) -> str | None:
    return pkg.timestamp(value) if value else None


def data_quality(row: dict, words: dict | None = None) -> dict:
    """The statements that travel with each report (LED Art. 7(2)): how accurate, complete,
    reliable and current the sender judges it. ``words`` caches the statements of each grade
    (a package repeats few grades over many reports)."""
    words = {} if words is None else words
    key = (
        row["grading_scheme"],
        row["source_evaluation"],
        row["intelligence_assessment"],
        row["is_personal_assessment"],
    )
    if key not in words:
        scheme = row["grading_scheme"]
        words[key] = {
            "reliability": grading.meaning(scheme, grading.SOURCE, row["source_evaluation"]),
            "accuracy": grading.meaning(
                scheme, grading.INTELLIGENCE, row["intelligence_assessment"]
            ),
            "completeness": _(
                "Sanitised extract: details that could identify the source are removed."
            ),
            "nature": _("Assessment or opinion") if row["is_personal_assessment"] else _("Facts"),
        }
    return {**words[key], "evaluated_at": _time(row["evaluated_at"])}


def build_document(actor, job, head: dict, check: SelectionCheck) -> dict:
    partner = job.partner
    ids = [row["id"] for row in check.rows]
    refs: dict[int, str] = {}
    mentions: dict[int, list[dict]] = {}
    entities: list[dict] = []
    links: list[dict] = []
    urn_of = {row["id"]: row["urn"] for row in check.rows}
    if partner.sends_entities:
        # The reports are the requester's (checked above) and a mention travels only with an
        # entity the requester sees (through ``visible_to``): the mentions themselves need no
        # second restriction. Ids go to the database in chunks (PostgreSQL takes at most
        # 65,535 parameters a statement).
        mention_list = [
            mention
            for chunk in _chunks(ids)
            for mention in ReportEntity.objects.filter(report_id__in=chunk)
            .order_by("id")
            .values("report_id", "entity_id", "subject_category", "is_assessment")
        ]
        wanted = sorted({m["entity_id"] for m in mention_list})
        entity_rows = sorted(
            (
                entity
                for chunk in _chunks(wanted)
                for entity in Entity.objects.visible_to(actor)
                .filter(pk__in=chunk, compartment_id=job.compartment_id, merged_into__isnull=True)
                .values("id", "kind", "name", "date_of_birth", "description")
            ),
            key=lambda entity: entity["id"],
        )
        shown = [entity["id"] for entity in entity_rows]
        identifiers: dict[int, list[dict]] = {}
        for chunk in _chunks(shown):
            for ident in Identifier.objects.filter(entity_id__in=chunk).values(
                "entity_id", "kind", "value"
            ):
                identifiers.setdefault(ident["entity_id"], []).append(
                    {"kind": ident["kind"], "value": ident["value"]}
                )
        for number, entity in enumerate(entity_rows, start=1):
            refs[entity["id"]] = f"E{number}"
            entities.append(
                {
                    "ref": f"E{number}",
                    "kind": entity["kind"],
                    "name": entity["name"],
                    "date_of_birth": entity["date_of_birth"].isoformat()
                    if entity["date_of_birth"]
                    else None,
                    "description": entity["description"],
                    "identifiers": identifiers.get(entity["id"], []),
                }
            )
        for mention in mention_list:
            if mention["entity_id"] in refs:
                mentions.setdefault(mention["report_id"], []).append(
                    {
                        "entity": refs[mention["entity_id"]],
                        "subject_category": mention["subject_category"],
                        "is_assessment": mention["is_assessment"],
                    }
                )
        link_rows = sorted(
            (
                link
                for chunk in _chunks(shown)
                for link in Link.objects.visible_to(actor)
                .filter(compartment_id=job.compartment_id, from_entity_id__in=chunk)
                .values("id", "from_entity_id", "to_entity_id", "kind", "strength")
                if link["to_entity_id"] in refs
            ),
            key=lambda link: link["id"],
        )
        through = Link.reports.through
        cited: dict[int, list[str]] = {}
        for chunk in _chunks([r["id"] for r in link_rows]):
            for pair in through.objects.filter(link_id__in=chunk).values("link_id", "report_id"):
                if pair["report_id"] in urn_of:
                    cited.setdefault(pair["link_id"], []).append(urn_of[pair["report_id"]])
        for row in link_rows:
            links.append(
                {
                    "from": refs[row["from_entity_id"]],
                    "to": refs[row["to_entity_id"]],
                    "kind": row["kind"],
                    "strength": row["strength"],
                    "reports": sorted(cited.get(row["id"], [])),
                }
            )
    reports = []
    words: dict = {}
    choices = job.params.get("grading_choices", {})
    for row in check.rows:
        mapped = check.mapped[row["id"]]
        chosen = choices.get(row["urn"])
        chosen_axes = (
            sorted(axis for axis in grading_map.AXES if axis in chosen)
            if isinstance(chosen, dict)
            else []
        )
        reports.append(
            {
                "reference": row["urn"],
                "text": row["sanitised_text"],
                "occurred_at": _time(row["occurred_at"]),
                "occurred_from": _time(row["occurred_from"]),
                "occurred_to": _time(row["occurred_to"]),
                "place_name": row["place_name"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "grading": {
                    "scheme": mapped.scheme,
                    "source_evaluation": mapped.codes[grading.SOURCE],
                    "intelligence_assessment": mapped.codes[grading.INTELLIGENCE],
                    "handling_code": mapped.codes[grading.HANDLING],
                    "handling_conditions": row["handling_conditions"],
                },
                "grading_as_given": {
                    "scheme": row["grading_scheme"],
                    "source_evaluation": row["source_evaluation"],
                    "intelligence_assessment": row["intelligence_assessment"],
                    "handling_code": row["handling_code"],
                },
                "grading_chosen_by_sender": chosen_axes,
                "conditions": check.item_conditions.get(row["id"], []),
                "data_quality": data_quality(row, words),
                "entities": mentions.get(row["id"], []),
            }
        )
    return {
        **head,
        "legal_basis": job.legal_basis,
        "reports": reports,
        "entities": entities,
        "links": links,
    }


# --- Receiving ----------------------------------------------------------------------------
#
# A partner's package is untrusted input even when its signature is good: every field of every
# item is checked here, before anything is stored, for its type, its length (the column's
# max_length), its choices (the model's) and text a column cannot hold (``pkg.storable``), so
# that a bad value is a refusal naming the item and the field, never a database error.

# The longest text each column a received item fills may hold.
_REF_MAX = 20  # an entity's ref is the package's own label (E1, E2...), not stored
_REFERENCE_MAX = Provenance._meta.get_field("original_reference").max_length or 100
_PLACE_MAX = Report._meta.get_field("place_name").max_length or 200
_SCHEME_MAX = Report._meta.get_field("grading_scheme").max_length or 10
_CODE_MAX = Report._meta.get_field("source_evaluation").max_length or 2
_NAME_MAX = Entity._meta.get_field("name").max_length or 200
_VALUE_MAX = Identifier._meta.get_field("value").max_length or 200
# A condition code is a short name (the longest known one has 30 characters); the package's
# collection event lists every report's conditions, so they are bounded.
_CONDITION_MAX = 100
_GRADE_FIELDS = ("scheme", grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING)
_GRADE_LIMITS = {
    "scheme": _SCHEME_MAX,
    grading.SOURCE: _CODE_MAX,
    grading.INTELLIGENCE: _CODE_MAX,
    grading.HANDLING: _CODE_MAX,
}
# validate_grading's error keys, as the package's fields are named.
_GRADE_ERROR_FIELDS = {grading.SCHEME: "scheme"}
_TIMES = ("occurred_at", "occurred_from", "occurred_to")
_COORDINATES = (("latitude", -90, 90), ("longitude", -180, 180))
# The data-quality statements a report carries; others a sender adds are ignored (readers
# ignore fields they do not know) and not stored.
DATA_QUALITY_TEXTS = ("reliability", "accuracy", "completeness", "nature")
DATA_QUALITY_KEYS = (*DATA_QUALITY_TEXTS, "evaluated_at")
_MISSING = object()
# What an unknown choice is called in a refusal (translated only when one is written).
_KIND = gettext_lazy("kind")
_IDENTIFIER_KIND = gettext_lazy("identifier kind")
_LINK_KIND = gettext_lazy("kind or strength")  # a link's kind and strength, named together
_SCHEME = gettext_lazy("grading scheme")
_AXIS = gettext_lazy("grading axis")
_CATEGORY = gettext_lazy("data-subject category")


def _bad(message: str) -> pkg.Refused:
    return pkg.Refused("malformed", message)


class _Where:
    """Which item of a package a message names ("report 12", "entity 3, identifier 2"), put
    into words only when a message is written: a package of 10,000 reports is checked without
    translating 20,000 labels that no message uses."""

    __slots__ = ("kind", "number", "part", "part_number")

    def __init__(self, kind: str, number: int = 0, part: str = "", part_number: int = 0):
        self.kind = kind
        self.number = number
        self.part = part
        self.part_number = part_number

    def within(self, part: str, number: int) -> _Where:
        return _Where(self.kind, self.number, part, number)

    def __str__(self) -> str:
        if self.kind == "package":
            return _("The package")
        if self.kind == "entity":
            item = _("entity %(n)s") % {"n": self.number}
        elif self.kind == "link":
            item = _("link %(n)s") % {"n": self.number}
        else:
            item = _("report %(n)s") % {"n": self.number}
        if self.part == "identifier":
            return _("%(item)s, identifier %(n)s") % {"item": item, "n": self.part_number}
        if self.part == "mention":
            return _("%(item)s, mention %(n)s") % {"item": item, "n": self.part_number}
        return item


def _missing(where: _Where, field: str) -> pkg.Refused:
    return _bad(_("%(where)s: “%(field)s” is missing.") % {"where": where, "field": field})


def _wrong(where: _Where, field: str, what: str) -> pkg.Refused:
    return _bad(
        _("%(where)s: “%(field)s” must be %(what)s.")
        % {"where": where, "field": field, "what": what}
    )


def _unstorable(where: _Where, field: str) -> pkg.Refused:
    return _bad(
        _(
            "%(where)s: “%(field)s” holds a character that cannot be stored (NUL or an "
            "unpaired surrogate)."
        )
        % {"where": where, "field": field}
    )


def _too_long(where: _Where, field: str, limit: int) -> pkg.Refused:
    return _bad(
        _("%(where)s: “%(field)s” is longer than %(limit)s characters.")
        % {"where": where, "field": field, "limit": limit}
    )


def _unknown(where: _Where, field: str, what: object, allowed) -> pkg.Refused:
    return _bad(
        _("%(where)s: unknown %(what)s. “%(field)s” must be one of %(choices)s.")
        % {
            "where": where,
            "what": what,
            "field": field,
            "choices": ", ".join(code or "“”" for code in sorted(allowed)),
        }
    )


def _text(
    item: dict,
    key: str,
    where: _Where,
    *,
    required: bool = False,
    blank: bool = True,
    limit: int = 0,
    field: str = "",
) -> str:
    """``item[key]`` as text ("" when absent or null and not ``required``); ``blank``: whether
    it may be empty or spaces only."""
    value = item.get(key)
    if (
        type(value) is str
        and (not limit or len(value) <= limit)
        and pkg.storable(value)
        and (blank or value.strip())
    ):
        return value
    field = field or key
    if value is None:
        if not required:
            return ""
        if key not in item:
            raise _missing(where, field)
    if type(value) is not str or not (blank or value.strip()):
        raise _wrong(where, field, _("text"))
    if limit and len(value) > limit:
        raise _too_long(where, field, limit)
    raise _unstorable(where, field)


def _choice(
    item: dict,
    key: str,
    where: _Where,
    allowed: frozenset[str],
    what: object,
    *,
    required: bool = False,
    field: str = "",
) -> str | None:
    value = item.get(key)
    if type(value) is str and value in allowed:
        return value
    if value is None and not required:
        return None
    field = field or key
    if key not in item:
        raise _missing(where, field)
    raise _unknown(where, field, what, allowed)


def _list(item: dict, key: str, where: _Where, *, required: bool = False) -> list:
    value = item.get(key, _MISSING)
    if type(value) is list:
        return value
    if value is _MISSING and required:
        raise _missing(where, key)
    if (value is None or value is _MISSING) and not required:
        return []
    raise _wrong(where, key, _("a list"))


def _object(item: dict, key: str, where: _Where, *, required: bool = False) -> dict | None:
    value = item.get(key, _MISSING)
    if type(value) is dict:
        return value
    if value is _MISSING and required:
        raise _missing(where, key)
    if (value is None or value is _MISSING) and not required:
        return None
    raise _wrong(where, key, _("an object"))


def _check_time(item: dict, key: str, where: _Where, *, field: str = "") -> None:
    value = item.get(key)
    if value is None:
        return
    parsed = pkg.parse_time(value)
    if parsed is not None:
        try:
            parsed.astimezone(dt.UTC)  # a time the database can hold (years 1 to 9999 in UTC)
            return
        except OverflowError:
            pass
    raise _bad(
        _("%(where)s: “%(field)s” is not a time with a zone.")
        % {"where": where, "field": field or key}
    )


def _texts(
    item: dict, key: str, where: _Where, *, required: bool = False, limit: int = 0
) -> list[str]:
    """``item[key]`` as a list of text, each at most ``limit`` characters."""
    values = _list(item, key, where, required=required)
    for value in values:
        if type(value) is not str:
            raise _bad(
                _("%(where)s: “%(field)s” must be a list of text.") % {"where": where, "field": key}
            )
        if limit and len(value) > limit:
            raise _too_long(where, key, limit)
        if not pkg.storable(value):
            raise _unstorable(where, key)
    return values


def check_document(document: dict) -> None:
    """Every item of a signed document, checked before anything is stored (``Refused`` naming
    the item and field)."""
    header = {key: document.get(key) for key in pkg.HEADER_FIELDS}
    try:
        _check_items(document)
    except pkg.Refused as exc:
        exc.header = header
        raise


def _check_items(document: dict) -> None:
    for key in ("reports", "entities", "links"):
        if not isinstance(document.get(key), list):
            raise _bad(_("The package has no “%(field)s” list.") % {"field": key})
    if not document["reports"]:
        raise _bad(_("The package holds no reports."))
    _text(document, "legal_basis", _Where("package"), required=True)
    refs = _check_entities(document["entities"])
    _check_reports(document["reports"], refs)
    _check_links(document["links"], refs)


def _check_entities(items: list) -> set[str]:
    """The entities' refs, once each checked."""
    kinds = frozenset(EntityKind.values)
    identifier_kinds = frozenset(IdentifierKind.values)
    refs: set[str] = set()
    for index, item in enumerate(items):
        where = _Where("entity", index + 1)
        if type(item) is not dict:
            raise _bad(_("%(where)s is not an object.") % {"where": where})
        ref = _text(item, "ref", where, required=True, blank=False, limit=_REF_MAX)
        if ref in refs:
            raise _bad(_("%(where)s: ref “%(ref)s” is used twice.") % {"where": where, "ref": ref})
        refs.add(ref)
        if type(item.get("kind")) is not str or item["kind"] not in kinds:
            if "kind" not in item:
                raise _missing(where, "kind")
            raise _unknown(where, "kind", _KIND, kinds)
        _text(item, "name", where, required=True, blank=False, limit=_NAME_MAX)
        _text(item, "description", where)
        dob = item.get("date_of_birth")
        if dob is not None:
            try:
                dt.date.fromisoformat(dob)
            except (TypeError, ValueError):
                raise _bad(
                    _("%(where)s: “%(field)s” is not a date.")
                    % {"where": where, "field": "date_of_birth"}
                ) from None
        for number, ident in enumerate(_list(item, "identifiers", where), start=1):
            at = where.within("identifier", number)
            if type(ident) is not dict:
                raise _bad(_("%(where)s is not an object.") % {"where": at})
            _choice(ident, "kind", at, identifier_kinds, _IDENTIFIER_KIND)
            _text(ident, "value", at, required=True, limit=_VALUE_MAX)
    return refs


def _grade_values(mark: dict) -> tuple:
    return (
        mark.get("scheme"),
        mark.get(grading.SOURCE),
        mark.get(grading.INTELLIGENCE),
        mark.get(grading.HANDLING),
        mark.get(grading.CONDITIONS),
    )


def _known(values: tuple, seen: set) -> bool:
    """Whether ``values`` were already found valid: a package repeats a few gradings and
    data-quality statements over many reports, and each is validated once."""
    try:
        return values in seen
    except TypeError:  # a list or an object among the values: not valid, checked anew
        return False


def _check_grade(mark: dict, where: _Where, name: str, *, required: bool) -> tuple[str, ...]:
    """The grade's fields as text (scheme, the three codes, the handling conditions); without
    ``required``, one left out is "" (and ``validate_grading`` names it)."""
    values = tuple(
        _text(
            mark,
            key,
            where,
            required=required,
            limit=_GRADE_LIMITS[key],
            field=f"{name}.{key}",
        )
        for key in _GRADE_FIELDS
    )
    conditions = _text(mark, grading.CONDITIONS, where, field=f"{name}.{grading.CONDITIONS}")
    return (*values, conditions)


def _check_reports(items: list, refs: set[str]) -> None:
    categories = frozenset(["", *SubjectCategory.values])
    axes = frozenset(grading.AXES_IN_ORDER)
    schemes = frozenset(grading.SCHEMES)
    references: set[str] = set()
    # Gradings and data-quality statements repeat over many reports: each is validated once.
    valid_grades: set = set()
    valid_given: set = set()
    valid_quality: set = set()
    valid_times: set = set()
    for index, item in enumerate(items):
        where = _Where("report", index + 1)
        if type(item) is not dict:
            raise _bad(_("%(where)s is not an object.") % {"where": where})
        reference = _text(
            item, "reference", where, required=True, blank=False, limit=_REFERENCE_MAX
        )
        if reference in references:
            raise _bad(
                _("%(where)s: reference “%(ref)s” is used twice.")
                % {"where": where, "ref": reference}
            )
        references.add(reference)
        _text(item, "text", where, required=True, blank=False)
        _text(item, "place_name", where, limit=_PLACE_MAX)
        for key in _TIMES:
            value = item.get(key)
            if value is not None and (type(value) is not str or value not in valid_times):
                _check_time(item, key, where)
                valid_times.add(value)
        for key, low, high in _COORDINATES:
            value = item.get(key)
            if value is None:
                continue
            if type(value) is not int and type(value) is not float:  # true and false are not
                raise _wrong(where, key, _("a number"))
            if not low <= value <= high:  # NaN is in no range
                raise _bad(
                    _("%(where)s: “%(field)s” is out of range.") % {"where": where, "field": key}
                )
        mark = item.get("grading")
        if type(mark) is not dict or not _known(_grade_values(mark), valid_grades):
            mark = _object(item, "grading", where, required=True)
            assert mark is not None
            grade = _check_grade(mark, where, "grading", required=False)
            errors = grading.validate_grading(*grade)
            if errors:
                raise _bad(
                    _("%(where)s (%(ref)s): the grading is not valid: %(errors)s")
                    % {
                        "where": where,
                        "ref": reference,
                        "errors": "; ".join(
                            f"“grading.{_GRADE_ERROR_FIELDS.get(key, key)}”: "
                            + " ".join(map(str, messages))
                            for key, messages in errors.items()
                        ),
                    }
                )
            valid_grades.add(_grade_values(mark))
        given = item.get("grading_as_given")
        if given is not None and (
            type(given) is not dict or not _known(_grade_values(given), valid_given)
        ):
            given = _object(item, "grading_as_given", where)
            assert given is not None
            scheme, *codes, _conditions_text = _check_grade(
                given, where, "grading_as_given", required=True
            )
            if scheme not in schemes:
                raise _unknown(where, "grading_as_given.scheme", _SCHEME, schemes)
            for axis, code in zip(grading.AXES_IN_ORDER, codes, strict=True):
                allowed = grading.codes(scheme, axis)
                if code not in allowed:
                    raise _unknown(
                        where, f"grading_as_given.{axis}", _axis_name(axis), frozenset(allowed)
                    )
            valid_given.add(_grade_values(given))
        for axis in _list(item, "grading_chosen_by_sender", where):
            if type(axis) is not str or axis not in axes:
                raise _unknown(where, "grading_chosen_by_sender", _AXIS, axes)
        _texts(item, "conditions", where, required=True, limit=_CONDITION_MAX)
        quality = _object(item, "data_quality", where, required=True)
        assert quality is not None
        statements = (
            quality.get("reliability"),
            quality.get("accuracy"),
            quality.get("completeness"),
            quality.get("nature"),
        )
        if not _known(statements, valid_quality):
            for key in DATA_QUALITY_TEXTS:
                _text(quality, key, where, field=f"data_quality.{key}")
            valid_quality.add(statements)
        value = quality.get("evaluated_at")
        if value is not None and (type(value) is not str or value not in valid_times):
            _check_time(quality, "evaluated_at", where, field="data_quality.evaluated_at")
            valid_times.add(value)
        for number, mention in enumerate(_list(item, "entities", where, required=True), start=1):
            if type(mention) is dict:
                entity = mention.get("entity")
                category = mention.get("subject_category")
                assessment = mention.get("is_assessment")
                if (
                    type(entity) is str
                    and entity in refs
                    and (category is None or type(category) is str and category in categories)
                    and (assessment is None or type(assessment) is bool)
                ):
                    continue
            _check_mention(mention, where.within("mention", number), refs, categories)


def _check_mention(mention: Any, at: _Where, refs: set[str], categories: frozenset[str]) -> None:
    """Raise the refusal naming what is wrong with a report's mention of an entity."""
    if type(mention) is not dict:
        raise _bad(_("%(where)s is not an object.") % {"where": at})
    entity = _text(mention, "entity", at, required=True)
    if entity not in refs:
        raise _bad(
            _("%(where)s: “%(field)s” names an entity the package does not hold.")
            % {"where": at, "field": "entity"}
        )
    _choice(mention, "subject_category", at, categories, _CATEGORY)
    if mention.get("is_assessment") is not None and type(mention["is_assessment"]) is not bool:
        raise _wrong(at, "is_assessment", _("true or false"))


def _check_links(items: list, refs: set[str]) -> None:
    kinds = frozenset(LinkKind.values)
    strengths = frozenset(LinkStrength.values)
    for index, item in enumerate(items):
        where = _Where("link", index + 1)
        if type(item) is not dict:
            raise _bad(_("%(where)s is not an object.") % {"where": where})
        for key in ("from", "to"):
            if _text(item, key, where, required=True) not in refs:
                raise _bad(
                    _("%(where)s: “%(field)s” names an entity the package does not hold.")
                    % {"where": where, "field": key}
                )
        _choice(item, "kind", where, kinds, _LINK_KIND, required=True)
        _choice(item, "strength", where, strengths, _LINK_KIND, required=True)
        # The reports a link rests on: those the package does not hold are left out when it is
        # stored (the sender's link may rest on reports it did not send).
        _texts(item, "reports", where, limit=_REFERENCE_MAX)


def _as_given(item: dict) -> str:
    given = item.get("grading_as_given") or item["grading"]
    code = grading.full_code(
        str(given.get("scheme", "")),
        str(given.get("source_evaluation", "")),
        str(given.get("intelligence_assessment", "")),
        str(given.get("handling_code", "")),
    )
    return f"{code} ({given.get('scheme', '')})"[:50]


def _conditions(codes) -> list[str]:
    """Condition codes as given, once each, in order (as ``record_received`` keeps them)."""
    seen: list[str] = []
    for code in codes:
        code = str(code).strip()
        if code and code not in seen:
            seen.append(code)
    return seen


# --- Storing received rows --------------------------------------------------------------------


def copy_available() -> bool:
    """Whether rows go in through ``COPY`` (PostgreSQL) rather than batched INSERTs."""
    return connection.vendor == "postgresql"


def store_rows(
    model: type[Model],
    columns: tuple[str, ...],
    rows: Iterable[tuple],
    *,
    common: dict[str, Any],
    count: int | None = None,
) -> list[int]:
    """Insert ``rows`` (values of ``columns``, attribute names) of ``model``, each with the
    values of ``common`` and the model's defaults for every other column. With ``count`` (the
    number of rows), the new ids in the order of ``rows``.

    No model instance is made per row (preparing 62,500 of them was most of the time a
    package of 10,000 reports took). PostgreSQL: the ids are taken from the table's sequence
    in one statement and the rows sent with ``COPY`` as ``rows`` yields them (the database
    stores one row while the next is made). Elsewhere: one ``INSERT`` run over the rows in
    batches of ``BATCH`` (``executemany``), each value prepared for the database by its
    column's kind. Both store the same values (``tests/exchange/test_storing.py``).
    """
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    others, constants = _other_columns(model, columns, common)
    if not copy_available():
        return _insert_rows(model, columns, rows, others, constants, count)
    # Values psycopg writes as they are, except JSON, written as its text (the column parses
    # it), with the field's encoder.
    json_at = [
        (i, column.encoder)
        for i, column in enumerate(meta.get_field(name) for name in columns)
        if isinstance(column, JSONField)
    ]
    names = [*columns, *(f.attname for f in others)]
    new_ids: list[int] = []
    written = 0
    with connection.cursor() as cursor:
        if count is not None:
            if count == 0:
                return []
            new_ids = _drawn_ids(cursor, model, count)
            names.insert(0, pk.attname)
        quote = connection.ops.quote_name
        listed = ", ".join(quote(meta.get_field(name).column) for name in names)
        statement = f"COPY {quote(meta.db_table)} ({listed}) FROM STDIN"
        raw = cursor.cursor  # psycopg's cursor under Django's wrapper
        # JSON written once per distinct value of a column (most rows repeat a few); nothing
        # (None) is SQL NULL, as the ORM stores it.
        texts: dict[int, dict] = {i: {} for i, _encoder in json_at}
        with raw.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                if json_at:
                    row = list(row)
                    for i, encoder in json_at:
                        if row[i] is not None:
                            row[i] = _json_text(row[i], encoder, texts[i])
                if count is not None:
                    if written == count:
                        raise MisuseError(f"more rows of {model.__name__} than {count}")
                    write((new_ids[written], *row, *constants))
                else:
                    write((*row, *constants))
                written += 1
        if count is not None and written != count:
            raise MisuseError(f"{written} rows of {model.__name__}, not {count}")
    return new_ids


def _drawn_ids(cursor, model: type[Model], count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids of ``model``, taken from its table's sequence at once."""
    meta = model._meta
    assert meta.pk is not None
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, count],
    )
    return sorted(value for (value,) in cursor.fetchall())


def _other_columns(
    model: type[Model], columns: tuple[str, ...], common: dict[str, Any]
) -> tuple[list, tuple]:
    """Every column of ``model`` but its id and ``columns``, and the value each is stored
    with, once for all rows: the value ``save`` would give it (``common``, the defaults,
    ``auto_now``), prepared for the database. A column the database fills itself
    (``db_default``, generated) is left to it."""
    meta = model._meta
    template = model(**common)
    others = []
    constants = []
    for f in meta.concrete_fields:
        if f is meta.pk or f.attname in columns or getattr(f, "generated", False):
            continue
        value = f.pre_save(template, True)
        if isinstance(value, DatabaseDefault):
            continue
        others.append(f)
        constants.append(f.get_db_prep_save(value, connection=connection))
    return others, tuple(constants)


def _preparer(field) -> Any:
    """How a value of ``field`` is made ready for the database without the field's whole
    preparation per value: texts, numbers, true and false and nothing go as they are; times,
    dates and JSON as the backend writes them; any other kind through the field itself."""
    ops = connection.ops
    kind = field.get_internal_type()
    if kind in (
        "CharField",
        "TextField",
        "IntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "BooleanField",
        "FloatField",
        "ForeignKey",
        "OneToOneField",
        "AutoField",
        "BigAutoField",
    ):
        return None
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if isinstance(field, JSONField) and connection.vendor == "sqlite":  # JSON as its text
        texts: dict = {}
        encoder = field.encoder
        return lambda value: None if value is None else _json_text(value, encoder, texts)
    return lambda value: field.get_db_prep_save(value, connection=connection)


def _insert_rows(model, columns, rows, others, constants, count) -> list[int]:
    """``store_rows`` where there is no ``COPY``: one ``INSERT`` run over the rows, in
    batches. With ``count``, the new ids, in the order of ``rows``: on PostgreSQL drawn from
    the sequence first; on SQLite read back, as the rows one transaction inserts into a table
    are numbered one after another (it holds the database's write lock from its first insert
    to its end, so no one else inserts meanwhile) and the last of them is the table's
    highest."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    prepare = [(i, p) for i, p in enumerate(map(_preparer, fields)) if p is not None]
    names = [f.column for f in [*fields, *others]]
    drawn: list[int] = []
    with connection.cursor() as cursor:
        if count is not None and connection.vendor == "postgresql":
            drawn = _drawn_ids(cursor, model, count) if count else []
            names.insert(0, meta.pk.column)
        elif count is not None and connection.vendor != "sqlite":
            raise MisuseError(f"no way to number new rows of {model.__name__} here")
        elif count is not None and not connection.in_atomic_block:
            # Outside a transaction each row commits alone, and another writer's rows could
            # come between them: the ids read back would name rows not stored here.
            raise MisuseError(f"new rows of {model.__name__} are numbered inside a transaction")
        statement = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(map(quote, names))}) VALUES ({', '.join(['%s'] * len(names))})"
        )
        written = 0
        ids = iter(drawn)

        def prepared(batch: list[tuple]) -> list[tuple]:
            out = []
            for row in batch:
                if prepare:
                    values = list(row)
                    for i, p in prepare:
                        if values[i] is not None:
                            values[i] = p(values[i])
                    row = tuple(values)
                if drawn:
                    new_id = next(ids, None)
                    if new_id is None:
                        raise MisuseError(f"more rows of {model.__name__} than {count}")
                    row = (new_id, *row)
                out.append((*row, *constants))
            return out

        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(statement, prepared(batch))
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, prepared(batch))
            written += len(batch)
        if count is None:
            return []
        if written != count:
            raise MisuseError(f"{written} rows of {model.__name__}, not {count}")
        if drawn or not written:
            return drawn
        cursor.execute(f"SELECT max({quote(meta.pk.column)}) FROM {quote(meta.db_table)}")  # noqa: S608
        (last,) = cursor.fetchone()
    return list(range(last - written + 1, last + 1))


# Types whose equal values always write the same JSON (not float: 0.0 equals -0.0).
_FLAT = frozenset((str, int, bool, type(None)))


def _json_text(value: Any, encoder, texts: dict) -> str:
    """``value`` as JSON text, from ``texts`` when an equal value was written before: a
    package's conditions and data-quality statements are a handful of values repeated on
    thousands of rows. Only a flat list, or a dict of texts to plain values, is looked up; its
    key holds every item's type, so ``1`` and ``True`` (equal in Python, written apart) never
    share a text. Anything else is written as it is."""
    kind = type(value)
    if kind is list and all(type(v) in _FLAT for v in value):
        key: tuple | None = (list, *((type(v), v) for v in value))
    elif kind is dict and all(type(k) is str and type(v) in _FLAT for k, v in value.items()):
        key = (dict, *((k, type(v), v) for k, v in value.items()))
    else:
        key = None
    if key is None:
        return json.dumps(value, cls=encoder)
    text = texts.get(key)
    if text is None:
        text = texts[key] = json.dumps(value, cls=encoder)
    return text


def _search_document(
    urn: str,
    item: dict,
    mentioned: dict[str, dict],
    name_of: dict[str, str],
    identifiers_of: dict[str, list[tuple[str, str]]],
) -> str:
    """What search reads of a received report, as ``search_document_for`` writes it (its
    reference, text, place, the names of the entities it names, then their identifiers in
    the identifiers' order), without reading back what was just stored. The entities are in
    the report's compartment, so every reader of the report may read them."""
    parts = [urn, item["text"], (item.get("place_name") or "")[:200]]
    parts += [name_of[ref] for ref in mentioned]
    parts += [value for _kind, value in sorted(i for ref in mentioned for i in identifiers_of[ref])]
    return "\n".join(part for part in parts if part)


def take_in(document: dict, *, partner: Partner, channel: str, actor, submitter) -> ReceivedPackage:
    """Store a checked document: reports awaiting evaluation in the partner's intake
    compartment, with their entities, links and provenance; one collection event for the
    package naming every report and its provenance.

    Each kind of row goes in with one ``COPY`` on PostgreSQL (``store_rows``): a package of
    10,000 reports is some 62,500 rows, and preparing them for ``bulk_create`` took most of the
    15 seconds such a package took to take in."""
    compartment = partner.intake_compartment
    now = timezone.now()
    retention = RetentionClass.objects.filter(is_default=True).order_by("order").first()
    review_due = retention.review_due_from(now.date()) if retention else None
    made = {"created_by_id": submitter.pk}
    entity_items = document["entities"]
    entity_ids = store_rows(
        Entity,
        ("kind", "name", "name_key", "date_of_birth", "description"),
        (
            (
                item["kind"],
                item["name"][:200],
                (
                    normalise_identifier("vrm", item["name"])
                    if item["kind"] == EntityKind.VEHICLE
                    else normalise_name(item["name"])
                )[:200],
                dt.date.fromisoformat(item["date_of_birth"]) if item.get("date_of_birth") else None,
                item.get("description") or "",
            )
            for item in entity_items
        ),
        common={**made, "compartment_id": compartment.pk, "owning_unit_id": submitter.unit_id},
        count=len(entity_items),
    )
    entity_of = dict(zip((item["ref"] for item in entity_items), entity_ids, strict=True))
    name_of = {item["ref"]: item["name"][:200] for item in entity_items}
    # What search reads of an entity besides its name: its identifiers (search_document_for).
    identifiers_of: dict[str, list[tuple[str, str]]] = {}
    identifier_rows = []
    for item in entity_items:
        identifiers_of[item["ref"]] = []
        for ident in item.get("identifiers") or []:
            kind = ident.get("kind") or "other"
            identifier_rows.append(
                (
                    entity_of[item["ref"]],
                    kind,
                    ident["value"][:200],
                    normalise_identifier(kind, ident["value"])[:200],
                )
            )
            identifiers_of[item["ref"]].append((kind, ident["value"][:200]))
    store_rows(Identifier, ("entity_id", "kind", "value", "value_key"), identifier_rows, common={})
    items = document["reports"]
    urns = allocate_urns(len(items))
    # What each report's mentions and provenance hold is worked out as its row is sent: the
    # database takes longer to store a report (its indexes, the search trigger) than Python
    # takes to make the row, so this work fills the time Python would otherwise wait. Their
    # rows need the reports' ids, known once the reports are stored: they refer to the report
    # by its place in the package until then.
    mentions: list[tuple[int, int, str, bool]] = []
    provenances: list[tuple[str, str, list[str], dict]] = []
    # The collection event groups the reports by what their provenance says: a package's
    # reports share a few gradings as given, condition sets and data-quality statements, which
    # the event then holds once each.
    groups: dict[tuple, dict] = {}

    def report_rows() -> Iterator[tuple]:
        for n, (urn, item) in enumerate(zip(urns, items, strict=True)):
            # A report names an entity once (the last mention of it counts, as before).
            names = {m["entity"]: m for m in item.get("entities") or []}
            mentions.extend(
                (
                    n,
                    entity_of[ref],
                    mention.get("subject_category") or "",
                    bool(mention.get("is_assessment")),
                )
                for ref, mention in names.items()
            )
            quality = item["data_quality"]
            provenance = (
                item["reference"].strip()[:100],
                _as_given(item),
                _conditions(item.get("conditions") or []),
                {key: quality[key] for key in DATA_QUALITY_KEYS if key in quality},
            )
            provenances.append(provenance)
            group = (provenance[1], tuple(provenance[2]), tuple(sorted(provenance[3])))
            if group not in groups:
                groups[group] = {
                    "grading_as_given": group[0],
                    "conditions": list(group[1]),
                    "data_quality": list(group[2]),
                    "reports": [],
                }
            groups[group]["reports"].append(urn)
            grade = item["grading"]
            yield (
                urn,
                grade["scheme"],
                grade["source_evaluation"],
                grade["intelligence_assessment"],
                grade["handling_code"],
                grade.get("handling_conditions") or "",
                item["text"],
                item["text"],
                pkg.parse_time(item.get("occurred_at")),
                pkg.parse_time(item.get("occurred_from")),
                pkg.parse_time(item.get("occurred_to")),
                item.get("latitude"),
                item.get("longitude"),
                (item.get("place_name") or "")[:200],
                _search_document(urn, item, names, name_of, identifiers_of),
            )

    report_ids = store_rows(
        Report,
        (
            "urn",
            "grading_scheme",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "handling_conditions",
            "text",
            "sanitised_text",
            "occurred_at",
            "occurred_from",
            "occurred_to",
            "latitude",
            "longitude",
            "place_name",
            "search_document",
        ),
        report_rows(),
        common={
            "compartment_id": compartment.pk,
            "status": ReportStatus.SUBMITTED,
            "submitted_by_id": submitter.pk,
            # Owned by the unit of the person who took it in (none for a push).
            "owning_unit_id": submitter.unit_id,
            "submitted_at": now,
            "retention_class_id": retention.pk if retention else None,
            "review_due": review_due,
        },
        count=len(items),
    )
    store_rows(
        ReportEntity,
        ("report_id", "entity_id", "subject_category", "is_assessment"),
        ((report_ids[n], *rest) for n, *rest in mentions),
        common=made,
    )
    report_of = dict(zip((item["reference"] for item in items), report_ids, strict=True))
    link_items = document["links"]
    link_ids = store_rows(
        Link,
        ("from_entity_id", "to_entity_id", "kind", "strength"),
        (
            (entity_of[item["from"]], entity_of[item["to"]], item["kind"], item["strength"])
            for item in link_items
        ),
        common={
            **made,
            "compartment_id": compartment.pk,
            "note": _("Received from %(partner)s") % {"partner": partner.name},
        },
        count=len(link_items),
    )
    store_rows(
        Link.reports.through,
        ("link_id", "report_id"),
        (
            (link_id, report_of[ref])
            for link_id, item in zip(link_ids, link_items, strict=True)
            for ref in sorted(set(item.get("reports") or []))
            if ref in report_of
        ),
        common={},
    )
    # Provenance of every report, as ``intelligence.provenance.record_received`` writes it, in
    # one statement: one call per report (its own savepoint, look-ups and event) would make
    # taking in 10,000 reports a matter of minutes. The package's collection event below names
    # each report's original reference and groups the reports by provenance.
    store_rows(
        Provenance,
        ("report_id", "original_reference", "grading_as_given", "conditions", "data_quality"),
        (
            (report_id, *provenance)
            for report_id, provenance in zip(report_ids, provenances, strict=True)
        ),
        common={
            "channel": ProvenanceChannel.PARTNER_EXCHANGE,
            "originator": partner.name[:200],
            "received_at": now,
        },
    )
    received = ReceivedPackage.objects.create(
        package_id=document["package_id"],
        partner=partner,
        compartment=compartment,
        channel=channel,
        created_at_sender=pkg.parse_time(document["created_at"]) or now,
        expires_at=pkg.parse_time(document["expires_at"]) or now,
        received_by=actor,
        report_ids=report_ids,
        report_count=len(report_ids),
        entity_count=len(entity_ids),
        link_count=len(link_ids),
        legal_basis=str(document.get("legal_basis") or "")[:2000],
    )
    audit.record(
        Action.CREATE,
        obj=received,
        object_repr=str(received.package_id),
        compartment=compartment.slug,
        actor=actor,
        details={
            "collection": "partner_exchange",
            "partner": partner.name,
            "partner_fingerprint": partner.fingerprint,
            "channel": channel,
            "package_id": str(received.package_id),
            "legal_basis": received.legal_basis,
            "reports": urns,
            "original_references": [item["reference"] for item in items],  # as written
            "provenance": list(groups.values()),
            "entities": len(entity_ids),
            "links": len(link_ids),
        },
    )
    return received
