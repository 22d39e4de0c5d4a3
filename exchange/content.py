"""What a package carries: checking a selection before it leaves, writing the document, checking
a received document item by item, and taking its items in.

Reads are set-based (one query per kind of record, never one per report) because a package may
hold tens of thousands of reports; writes on the receiving side use ``bulk_create`` in batches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.choices import Action
from exchange import grading_map
from exchange import package as pkg
from exchange.models import Partner, ReceivedPackage
from intelligence import grading
from intelligence import provenance as provenance_service
from intelligence.choices import EntityKind, LinkKind, LinkStrength, ReportStatus
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
    "submitted_at",
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
        .values(*REPORT_FIELDS)
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
    received = set(
        Provenance.objects.filter(report_id__in=found).values_list("report_id", flat=True)
    )
    for row in rows:
        if row["id"] in received:
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
    for row in check.rows:
        mapped = check.mapped[row["id"]]
        chosen_axes = sorted(
            axis
            for axis in grading_map.AXES
            if isinstance(job.params.get("grading_choices", {}).get(row["urn"]), dict)
            and axis in job.params["grading_choices"][row["urn"]]
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


def _bad(message: str) -> pkg.Refused:
    return pkg.Refused("malformed", message)


def _text(item: dict, key: str, where: str, *, required: bool = False, limit: int = 0) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(_("%(where)s: “%(field)s” must be text.") % {"where": where, "field": key})
    if limit and len(value) > limit:
        raise _bad(
            _("%(where)s: “%(field)s” is longer than %(limit)s characters.")
            % {"where": where, "field": key, "limit": limit}
        )
    return value


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
    refs = set()
    for index, item in enumerate(document["entities"]):
        where = _("entity %(n)s") % {"n": index + 1}
        if not isinstance(item, dict):
            raise _bad(_("%(where)s is not an object.") % {"where": where})
        ref = _text(item, "ref", where, required=True, limit=20)
        if ref in refs:
            raise _bad(_("%(where)s: ref “%(ref)s” is used twice.") % {"where": where, "ref": ref})
        refs.add(ref)
        if item.get("kind") not in EntityKind.values:
            raise _bad(_("%(where)s: unknown kind.") % {"where": where})
        _text(item, "name", where, required=True, limit=200)
        _text(item, "description", where)
        dob = item.get("date_of_birth")
        if dob is not None:
            try:
                dt.date.fromisoformat(dob)
            except (TypeError, ValueError):
                raise _bad(
                    _("%(where)s: date_of_birth is not a date.") % {"where": where}
                ) from None
        for ident in item.get("identifiers") or []:
            if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
                raise _bad(_("%(where)s: an identifier has no value.") % {"where": where})
    references = set()
    for index, item in enumerate(document["reports"]):
        where = _("report %(n)s") % {"n": index + 1}
        if not isinstance(item, dict):
            raise _bad(_("%(where)s is not an object.") % {"where": where})
        reference = _text(item, "reference", where, required=True, limit=100)
        references.add(reference)
        _text(item, "text", where, required=True)
        _text(item, "place_name", where, limit=200)
        mark = item.get("grading")
        if not isinstance(mark, dict):
            raise _bad(_("%(where)s has no grading.") % {"where": where})
        errors = grading.validate_grading(
            str(mark.get("scheme", "")),
            str(mark.get("source_evaluation", "")),
            str(mark.get("intelligence_assessment", "")),
            str(mark.get("handling_code", "")),
            str(mark.get("handling_conditions") or ""),
        )
        if errors:
            raise _bad(
                _("%(where)s (%(ref)s): the grading is not valid: %(errors)s")
                % {
                    "where": where,
                    "ref": reference,
                    "errors": "; ".join(" ".join(map(str, v)) for v in errors.values()),
                }
            )
        for key in ("occurred_at", "occurred_from", "occurred_to"):
            if item.get(key) is not None and pkg.parse_time(item[key]) is None:
                raise _bad(
                    _("%(where)s: %(field)s is not a time with a zone.")
                    % {"where": where, "field": key}
                )
        for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            value = item.get(key)
            if value is not None and (
                not isinstance(value, int | float) or not low <= value <= high
            ):
                raise _bad(
                    _("%(where)s: %(field)s is out of range.") % {"where": where, "field": key}
                )
        if not isinstance(item.get("conditions", []), list) or not all(
            isinstance(c, str) for c in item.get("conditions", [])
        ):
            raise _bad(_("%(where)s: conditions must be a list of codes.") % {"where": where})
        if not isinstance(item.get("data_quality", {}), dict):
            raise _bad(_("%(where)s: data_quality must be an object.") % {"where": where})
        for mention in item.get("entities") or []:
            if not isinstance(mention, dict) or mention.get("entity") not in refs:
                raise _bad(
                    _("%(where)s names an entity the package does not hold.") % {"where": where}
                )
    for index, item in enumerate(document["links"]):
        where = _("link %(n)s") % {"n": index + 1}
        if not isinstance(item, dict) or item.get("from") not in refs or item.get("to") not in refs:
            raise _bad(_("%(where)s joins entities the package does not hold.") % {"where": where})
        if (
            item.get("kind") not in LinkKind.values
            or item.get("strength") not in LinkStrength.values
        ):
            raise _bad(_("%(where)s: unknown kind or strength.") % {"where": where})


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


def take_in(document: dict, *, partner: Partner, channel: str, actor, submitter) -> ReceivedPackage:
    """Store a checked document: reports awaiting evaluation in the partner's intake
    compartment, with their entities, links and provenance; one collection event for the
    package naming every report and its provenance."""
    compartment = partner.intake_compartment
    now = timezone.now()
    retention = RetentionClass.objects.filter(is_default=True).order_by("order").first()
    review_due = retention.review_due_from(now.date()) if retention else None
    entity_items = document["entities"]
    name_of = {item["ref"]: item["name"] for item in entity_items}
    entities = []
    for item in entity_items:
        key = (
            normalise_identifier("vrm", item["name"])
            if item["kind"] == EntityKind.VEHICLE
            else normalise_name(item["name"])
        )
        entities.append(
            Entity(
                kind=item["kind"],
                name=item["name"][:200],
                name_key=key[:200],
                date_of_birth=dt.date.fromisoformat(item["date_of_birth"])
                if item.get("date_of_birth")
                else None,
                description=item.get("description") or "",
                compartment_id=compartment.pk,
                owning_unit_id=submitter.unit_id,
                created_by_id=submitter.pk,
            )
        )
    Entity.objects.bulk_create(entities, batch_size=BATCH)
    entity_of = {item["ref"]: entity for item, entity in zip(entity_items, entities, strict=True)}
    identifiers = [
        Identifier(
            entity_id=entity_of[item["ref"]].pk,
            kind=ident.get("kind") or "other",
            value=ident["value"][:200],
            value_key=normalise_identifier(ident.get("kind") or "other", ident["value"])[:200],
        )
        for item in entity_items
        for ident in item.get("identifiers") or []
    ]
    Identifier.objects.bulk_create(identifiers, batch_size=BATCH)
    items = document["reports"]
    urns = allocate_urns(len(items))
    reports = []
    for urn, item in zip(urns, items, strict=True):
        mark = item["grading"]
        names = [name_of[m["entity"]] for m in item.get("entities") or []]
        reports.append(
            Report(
                urn=urn,
                compartment_id=compartment.pk,
                status=ReportStatus.SUBMITTED,
                grading_scheme=mark["scheme"],
                source_evaluation=mark["source_evaluation"],
                intelligence_assessment=mark["intelligence_assessment"],
                handling_code=mark["handling_code"],
                handling_conditions=mark.get("handling_conditions") or "",
                text=item["text"],
                sanitised_text=item["text"],
                occurred_at=pkg.parse_time(item.get("occurred_at")),
                occurred_from=pkg.parse_time(item.get("occurred_from")),
                occurred_to=pkg.parse_time(item.get("occurred_to")),
                latitude=item.get("latitude"),
                longitude=item.get("longitude"),
                place_name=(item.get("place_name") or "")[:200],
                submitted_by_id=submitter.pk,
                # Owned by the unit of the person who took it in (none for a push).
                owning_unit_id=submitter.unit_id,
                submitted_at=now,
                retention_class_id=retention.pk if retention else None,
                review_due=review_due,
                search_document="\n".join(
                    p for p in [urn, item["text"], item.get("place_name") or "", *names] if p
                ),
            )
        )
    Report.objects.bulk_create(reports, batch_size=BATCH)
    ReportEntity.objects.bulk_create(
        [
            ReportEntity(
                report_id=report.pk,
                entity_id=entity_of[m["entity"]].pk,
                subject_category=m.get("subject_category") or "",
                is_assessment=bool(m.get("is_assessment")),
                created_by_id=submitter.pk,
            )
            for report, item in zip(reports, items, strict=True)
            for m in {x["entity"]: x for x in item.get("entities") or []}.values()
        ],
        batch_size=BATCH,
    )
    report_of = {item["reference"]: report for item, report in zip(items, reports, strict=True)}
    note = _("Received from %(partner)s") % {"partner": partner.name}
    links = [
        Link(
            compartment_id=compartment.pk,
            from_entity_id=entity_of[item["from"]].pk,
            to_entity_id=entity_of[item["to"]].pk,
            kind=item["kind"],
            strength=item["strength"],
            note=note,
            created_by_id=submitter.pk,
        )
        for item in document["links"]
    ]
    Link.objects.bulk_create(links, batch_size=BATCH)
    Link.reports.through.objects.bulk_create(
        [
            Link.reports.through(link_id=link.pk, report_id=report_of[ref].pk)
            for link, item in zip(links, document["links"], strict=True)
            for ref in set(item.get("reports") or [])
            if ref in report_of
        ],
        batch_size=BATCH,
    )
    # Provenance of every report, as ``intelligence.provenance.record_received`` writes it, in
    # batches: one call per report (its own savepoint, look-ups and event) would make taking in
    # 10,000 reports a matter of minutes. The package's collection event below names each
    # report with its original reference, grading as given and conditions.
    provenances = [
        Provenance(
            report_id=report.pk,
            channel=ProvenanceChannel.PARTNER_EXCHANGE,
            originator=partner.name[:200],
            original_reference=item["reference"].strip()[:100],
            grading_as_given=_as_given(item),
            conditions=_conditions(item.get("conditions") or []),
            data_quality=dict(item.get("data_quality") or {}),
            received_at=now,
        )
        for report, item in zip(reports, items, strict=True)
    ]
    Provenance.objects.bulk_create(provenances, batch_size=BATCH)
    received = ReceivedPackage.objects.create(
        package_id=document["package_id"],
        partner=partner,
        compartment=compartment,
        channel=channel,
        created_at_sender=pkg.parse_time(document["created_at"]) or now,
        expires_at=pkg.parse_time(document["expires_at"]) or now,
        received_by=actor,
        report_ids=[r.pk for r in reports],
        report_count=len(reports),
        entity_count=len(entities),
        link_count=len(links),
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
            "reports": [r.urn for r in reports],
            "original_references": [item["reference"] for item in items],
            "provenance": [
                {
                    "report": report.urn,
                    "original_reference": p.original_reference,
                    "grading_as_given": p.grading_as_given,
                    "conditions": p.conditions,
                    "data_quality": sorted(p.data_quality),
                }
                for report, p in zip(reports, provenances, strict=True)
            ],
            "entities": len(entities),
            "links": len(links),
        },
    )
    return received
