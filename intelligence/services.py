"""The actions that change intelligence records: one function per use case.

Each owns its transaction, runs inside ``audit.service_scope()`` and writes its audit event
in the same transaction, so a change and its record stand or fall together. Restricted text
(the original report text, source identities) enters the audit trail by name only.

Invalid input raises ``django.core.exceptions.ValidationError`` with a dict of messages by
field; the forms show them beside the fields and the API answers 400 naming each field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core.references import stored_values
from intelligence import grading
from intelligence.choices import EntityKind, ReportStatus, ReviewDecision, SubjectCategory
from intelligence.models import (
    Entity,
    Grading,
    Identifier,
    Incident,
    Link,
    Report,
    ReportEntity,
    RetentionClass,
    Review,
    Source,
)
from intelligence.models.entities import normalise_identifier

REPORT_RESTRICTED = Report.audit_restricted_fields
REPORT_IGNORED = Report.audit_ignored_fields
GRADING_FIELDS = (
    "grading_scheme",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
)
REPORT_CONTENT_FIELDS = (
    "compartment",
    "source",
    *GRADING_FIELDS,
    "text",
    "sanitised_text",
    "is_personal_assessment",
    "has_special_category",
    "occurred_at",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "place_name",
)


class DuplicateEntity(Exception):
    """The entity about to be created probably exists already; ``candidates`` lists them."""

    def __init__(self, candidates):
        super().__init__("possible duplicates")
        self.candidates = list(candidates)


def _snapshot(report: Report) -> dict:
    return audit.snapshot(report, REPORT_RESTRICTED, REPORT_IGNORED)


# --- URNs -------------------------------------------------------------------------------------

_URN_UPSERT = (
    "INSERT INTO intelligence_urnsequence (year, last) VALUES (%s, %s) "
    "ON CONFLICT (year) DO UPDATE SET last = intelligence_urnsequence.last + excluded.last "
    "RETURNING last"
)


def allocate_urns(count: int = 1, year: int | None = None) -> list[str]:
    """Reserve ``count`` consecutive report numbers for the year in one atomic statement.

    The upsert increments the counter row under the database's own row lock, so concurrent
    submissions never receive the same number (the unique URN column is the last guard).
    """
    year = year or timezone.now().year
    with connection.cursor() as cursor:
        cursor.execute(_URN_UPSERT, [year, count])
        last = cursor.fetchone()[0]
    return [f"IR-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]


# --- Validation -------------------------------------------------------------------------------


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def check_report_data(data: dict, actor, *, new_report: bool) -> None:
    """Raise a ValidationError naming each bad field of a report's content."""
    errors: dict[str, list[str]] = {}
    for field, messages in grading.validate_grading(
        data.get("grading_scheme", ""),
        data.get("source_evaluation", ""),
        data.get("intelligence_assessment", ""),
        data.get("handling_code", ""),
        data.get("handling_conditions", ""),
        new_report=new_report,
    ).items():
        for message in messages:
            _add(errors, field, message)
    if not (data.get("text") or "").strip():
        _add(errors, "text", _("Write what is known: the report text cannot be empty."))
    compartment = data.get("compartment")
    if compartment is None:
        _add(errors, "compartment", _("Choose the compartment the report belongs to."))
    elif not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists():
        _add(errors, "compartment", _("You do not hold this compartment."))
    source = data.get("source")
    if source is not None and not (
        actor.has_perm("intelligence.view_source")
        and Source.objects.visible_to(actor).filter(pk=source.pk).exists()
    ):
        _add(errors, "source", _("Unknown source."))
    occurred_at, start, end = (data.get(k) for k in ("occurred_at", "occurred_from", "occurred_to"))
    if occurred_at and (start or end):
        _add(
            errors,
            "occurred_at",
            _("Give either the time it occurred or a window (from/to), not both."),
        )
    if end and not start:
        _add(errors, "occurred_from", _("A window needs its start as well as its end."))
    if start and end and end < start:
        _add(errors, "occurred_to", _("The end of the window is before its start."))
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        _add(errors, missing, _("Give latitude and longitude together, or neither."))
    if latitude is not None and not -90 <= latitude <= 90:
        _add(errors, "latitude", _("Latitude must lie between -90 and 90."))
    if longitude is not None and not -180 <= longitude <= 180:
        _add(errors, "longitude", _("Longitude must lie between -180 and 180."))
    if errors:
        raise ValidationError(errors)


def _default_retention() -> RetentionClass | None:
    return RetentionClass.objects.filter(is_default=True).order_by("order").first()


# --- Search document --------------------------------------------------------------------------


def search_document_for(report: Report) -> str:
    """What search reads: never the original text, and only what every reader of the report
    may read. An entity named in the report counts only when it lives in the report's own
    compartment: one of another compartment would make search an oracle for it (a search for
    its phone number would find this report) for readers who cannot see it."""
    if report.is_erased:
        return ""
    parts = [report.urn, report.sanitised_text, report.place_name]
    parts += [ct.name for ct in report.crime_types.all()]
    links = ReportEntity.objects.filter(
        report=report, entity__compartment_id=report.compartment_id
    ).select_related("entity")
    entity_ids = []
    for link in links:
        parts.append(link.entity.name)
        entity_ids.append(link.entity_id)
    parts += Identifier.objects.filter(entity_id__in=entity_ids).values_list("value", flat=True)
    return "\n".join(p for p in parts if p)


def refresh_search_document(report: Report) -> None:
    # update() leaves the audit safety net out (we are inside a service) and, on PostgreSQL,
    # fires the trigger that derives search_vector from search_document.
    document = search_document_for(report)
    Report.objects.filter(pk=report.pk).update(search_document=document)
    report.search_document = document


# --- Reports ----------------------------------------------------------------------------------


def _apply(report: Report, data: dict) -> None:
    for field in REPORT_CONTENT_FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip() if field not in ("text", "sanitised_text") else value
            setattr(report, field, value)
    if report.occurred_at is not None:
        report.occurred_from = report.occurred_to = None
    if not grading.conditions_required(report.grading_scheme, report.handling_code):
        report.handling_conditions = report.handling_conditions or ""


@action("intelligence.add_report")
def create_report(*, actor, data: dict, submit: bool = False) -> Report:
    """Collection: a new report, as a draft or submitted straight away for evaluation."""
    data = {**data}
    data.setdefault("grading_scheme", grading.default_scheme())
    check_report_data(data, actor, new_report=True)
    report = Report(urn=allocate_urns(1)[0], submitted_by=actor)
    _apply(report, data)
    now = timezone.now()
    retention = _default_retention()
    report.retention_class = retention
    report.review_due = retention.review_due_from(now.date()) if retention else None
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = now
    report.save()
    if "crime_types" in data:
        report.crime_types.set(data["crime_types"])
    refresh_search_document(report)
    audit.record(
        Action.CREATE,
        obj=report,
        details={
            "status": report.status,
            "fields": _snapshot(report),
            "crime_types": [ct.slug for ct in report.crime_types.all()],
        },
    )
    return report


@action()
def update_draft(report: Report, *, actor, data: dict, submit: bool = False) -> Report:
    """Alteration of a draft (or a report sent back) by the person who wrote it."""
    if report.submitted_by_id != actor.pk or report.status != ReportStatus.DRAFT:
        raise PermissionDenied(_("Only the author can change a report, and only as a draft."))
    merged = stored_values(report, REPORT_CONTENT_FIELDS)
    merged.update(data)
    check_report_data(merged, actor, new_report=False)
    before = _snapshot(report)
    _apply(report, data)
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
    report.save()
    if "crime_types" in data:
        report.crime_types.set(data["crime_types"])
    refresh_search_document(report)
    audit.record(
        Action.UPDATE,
        obj=report,
        details={"changes": audit.diff(before, _snapshot(report), REPORT_RESTRICTED)},
    )
    return report


@action()
def submit_report(report: Report, *, actor) -> Report:
    if report.submitted_by_id != actor.pk:
        raise PermissionDenied(_("Only the author can submit a report."))
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be submitted.")]})
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        Action.UPDATE,
        obj=report,
        details={"changes": {"status": [ReportStatus.DRAFT, ReportStatus.SUBMITTED]}},
    )
    return report


def _grading_of(report: Report) -> dict:
    return {f: getattr(report, f) for f in GRADING_FIELDS}


def _history(report: Report, before: dict, actor, reason: str) -> Grading:
    return Grading.objects.create(
        report=report,
        old_scheme=before["grading_scheme"],
        old_source_evaluation=before["source_evaluation"],
        old_intelligence_assessment=before["intelligence_assessment"],
        old_handling_code=before["handling_code"],
        new_scheme=report.grading_scheme,
        new_source_evaluation=report.source_evaluation,
        new_intelligence_assessment=report.intelligence_assessment,
        new_handling_code=report.handling_code,
        reason=reason,
        graded_by=actor,
    )


@action("intelligence.evaluate_report")
def evaluate_report(
    report: Report,
    *,
    actor,
    grading_data: dict,
    sanitised_text: str,
    compartment: Compartment | None = None,
    retention_class: RetentionClass | None = None,
    reason: str = "",
) -> Report:
    """Evaluation: confirm or change the grading, sanitise, place in a compartment.

    Four eyes: the evaluator is never the person who submitted the report.
    """
    if report.submitted_by_id == actor.pk:
        raise ValidationError(
            {
                "non_field_errors": [
                    _("Four eyes: a report is evaluated by someone other than its author.")
                ]
            }
        )
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError({"status": [_("Only a submitted report can be evaluated.")]})
    proposed, errors = _proposed_grading(report, grading_data)
    if not (sanitised_text or "").strip():
        errors.setdefault("sanitised_text", []).append(
            _("Write the sanitised text others will read (remove anything identifying the source).")
        )
    compartment = compartment or report.compartment
    if not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists():
        errors.setdefault("compartment", []).append(_("You do not hold this compartment."))
    if errors:
        raise ValidationError(errors)
    before = _snapshot(report)
    before_grading = _grading_of(report)
    for field, value in proposed.items():
        setattr(report, field, value)
    report.sanitised_text = sanitised_text
    report.compartment = compartment
    report.retention_class = retention_class or report.retention_class or _default_retention()
    now = timezone.now()
    if report.retention_class:
        report.review_due = report.retention_class.review_due_from(now.date())
    report.status = ReportStatus.EVALUATED
    report.evaluated_by = actor
    report.evaluated_at = now
    report.save()
    changed = before_grading != _grading_of(report)
    _history(
        report,
        before_grading,
        actor,
        reason.strip()
        or (
            _("Grading changed at evaluation") if changed else _("Grading confirmed at evaluation")
        ),
    )
    refresh_search_document(report)
    audit.record(
        Action.UPDATE,
        obj=report,
        details={
            "operation": "evaluate",
            "changes": audit.diff(before, _snapshot(report), REPORT_RESTRICTED),
        },
    )
    return report


def _proposed_grading(report: Report, grading_data: dict) -> tuple[dict, dict]:
    """The report's grading with the given changes applied, and its validation errors."""
    proposed = {**_grading_of(report), **grading_data}
    errors = grading.validate_grading(
        proposed["grading_scheme"],
        proposed["source_evaluation"],
        proposed["intelligence_assessment"],
        proposed["handling_code"],
        proposed["handling_conditions"],
    )
    return proposed, errors


@action("intelligence.evaluate_report")
def regrade_report(report: Report, *, actor, grading_data: dict, reason: str) -> Report:
    """Re-grading of an evaluated report, kept in the grading history with its reason."""
    if report.status != ReportStatus.EVALUATED:
        raise ValidationError({"status": [_("Only an evaluated report can be re-graded.")]})
    proposed, errors = _proposed_grading(report, grading_data)
    if not (reason or "").strip():
        errors.setdefault("reason", []).append(_("Say why the grading changes."))
    if not errors and proposed == _grading_of(report):
        errors["non_field_errors"] = [_("The new grading is the same as the current one.")]
    if errors:
        raise ValidationError(errors)
    before = _snapshot(report)
    before_grading = _grading_of(report)
    for field, value in proposed.items():
        setattr(report, field, value)
    report.save()
    entry = _history(report, before_grading, actor, reason.strip())
    audit.record(
        Action.UPDATE,
        obj=report,
        details={
            "operation": "regrade",
            "grading": entry.pk,
            "reason": reason.strip(),
            "changes": audit.diff(before, _snapshot(report), REPORT_RESTRICTED),
        },
    )
    return report


@action("intelligence.review_report")
def review_report(
    report: Report,
    *,
    actor,
    decision: str,
    reason: str,
    next_review_due: date | None = None,
) -> Review:
    """A retention review (MoPI): retain with a reason and the next date, or erase."""
    errors: dict[str, list[str]] = {}
    if report.status != ReportStatus.EVALUATED:
        errors["status"] = [_("Only an evaluated report is reviewed for retention.")]
    if decision not in ReviewDecision.values:
        errors["decision"] = [_("Choose retain or erase.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Record the reason for the decision.")]
    if decision == ReviewDecision.RETAIN:
        if next_review_due is None:
            errors["next_review_due"] = [_("A retained report needs its next review date.")]
        elif next_review_due <= timezone.localdate():
            errors["next_review_due"] = [_("The next review date must lie in the future.")]
    if errors:
        raise ValidationError(errors)
    review = Review.objects.create(
        report=report,
        decision=decision,
        reason=reason.strip(),
        next_review_due=next_review_due if decision == ReviewDecision.RETAIN else None,
        reviewed_by=actor,
    )
    if decision == ReviewDecision.RETAIN:
        old_due = report.review_due
        report.review_due = next_review_due
        report.save(update_fields=["review_due", "updated_at"])
        audit.record(
            Action.UPDATE,
            obj=report,
            details={
                "operation": "review",
                "decision": decision,
                "reason": review.reason,
                "changes": {"review_due": [audit.jsonable(old_due), next_review_due.isoformat()]},
            },
        )
    else:
        _erase(report, actor=actor, reason=review.reason)
    return review


def _erase(report: Report, *, actor, reason: str) -> None:
    """Erasure: content and personal data go; a tombstone keeps URN, dates, who and why."""
    compartment = report.compartment
    removed_links = ReportEntity.objects.filter(report=report).delete()[0]
    report.crime_types.clear()
    Link.reports.through.objects.filter(report_id=report.pk).delete()
    Grading.objects.filter(report=report).update(reason="")
    report.text = ""
    report.sanitised_text = ""
    report.handling_conditions = ""
    report.place_name = ""
    report.latitude = report.longitude = None
    report.occurred_at = report.occurred_from = report.occurred_to = None
    report.is_personal_assessment = False
    report.has_special_category = False
    report.search_document = ""
    report.review_due = None
    report.status = ReportStatus.ERASED
    report.erased_at = timezone.now()
    report.erased_by = actor
    report.erasure_reason = reason
    report.save()
    audit.record(
        Action.ERASE,
        obj=report,
        compartment=compartment.slug,
        details={
            "reason": reason,
            "removed": ["text", "sanitised_text", "handling_conditions", "location", "occurrence"],
            "entity_links_removed": removed_links,
        },
    )


# --- Sources ----------------------------------------------------------------------------------

SOURCE_FIELDS = (
    "reference",
    "source_type",
    "compartment",
    "handler",
    "identity_name",
    "identity_details",
    "notes",
    "is_active",
)


def _check_source(data: dict, actor, instance: Source | None) -> None:
    errors: dict[str, list[str]] = {}
    reference = (data.get("reference") or "").strip()
    if not reference:
        errors["reference"] = [_("Give the source a reference code.")]
    else:
        # Within the compartment only, which the person holds (checked below): a clash with a
        # source they may not see would confirm that it exists.
        clash = Source.objects.filter(
            reference__iexact=reference, compartment=data.get("compartment")
        )
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["reference"] = [_("This reference code is already in use.")]
    compartment = data.get("compartment")
    if (
        compartment is None
        or not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists()
    ):
        errors["compartment"] = [_("Choose a compartment you hold.")]
    if errors:
        raise ValidationError(errors)


@action("intelligence.add_source")
def register_source(*, actor, data: dict) -> Source:
    _check_source(data, actor, None)
    source = Source(created_by=actor)
    for field in SOURCE_FIELDS:
        if field in data:
            setattr(source, field, data[field])
    source.reference = source.reference.strip()
    source.save()
    audit.record(
        Action.CREATE,
        obj=source,
        details={"fields": audit.snapshot(source, Source.audit_restricted_fields)},
    )
    return source


@action("intelligence.change_source")
def update_source(source: Source, *, actor, data: dict) -> Source:
    if ("identity_name" in data or "identity_details" in data) and not source.identity_visible_to(
        actor
    ):
        raise PermissionDenied(_("Only the source's handler changes its identity details."))
    merged = stored_values(source, SOURCE_FIELDS)
    merged.update(data)
    _check_source(merged, actor, source)
    before = audit.snapshot(source, Source.audit_restricted_fields)
    for field in SOURCE_FIELDS:
        if field in data:
            setattr(source, field, data[field])
    source.save()
    audit.record(
        Action.UPDATE,
        obj=source,
        details={
            "changes": audit.diff(
                before,
                audit.snapshot(source, Source.audit_restricted_fields),
                Source.audit_restricted_fields,
            )
        },
    )
    return source


# --- Entities and links -----------------------------------------------------------------------


@action("intelligence.add_entity")
def create_entity(
    *,
    actor,
    data: dict,
    identifiers: Iterable[tuple[str, str]] = (),
    allow_duplicate: bool = False,
) -> Entity:
    """Collation: a new entity, unless it probably exists already (then DuplicateEntity)."""
    from intelligence.selectors import duplicate_candidates

    identifiers = [(kind, value.strip()) for kind, value in identifiers if value and value.strip()]
    errors: dict[str, list[str]] = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Give the entity a name (or the identifier itself).")]
    if data.get("kind") not in EntityKind.values:
        errors["kind"] = [_("Choose what kind of entity this is.")]
    compartment = data.get("compartment")
    if (
        compartment is None
        or not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists()
    ):
        errors["compartment"] = [_("Choose a compartment you hold.")]
    for kind, value in identifiers:
        if not normalise_identifier(kind, value):
            errors.setdefault("identifiers", []).append(
                _("“%(value)s” is not a usable identifier.") % {"value": value}
            )
    if errors:
        raise ValidationError(errors)
    if not allow_duplicate:
        candidates = list(
            duplicate_candidates(
                actor,
                kind=data["kind"],
                name=data["name"],
                date_of_birth=data.get("date_of_birth"),
                identifiers=identifiers,
            )
        )
        if candidates:
            raise DuplicateEntity(candidates)
    entity = Entity(
        kind=data["kind"],
        name=data["name"].strip(),
        date_of_birth=data.get("date_of_birth"),
        description=data.get("description", ""),
        compartment=compartment,
        created_by=actor,
    )
    entity.save()
    for kind, value in identifiers:
        Identifier(entity=entity, kind=kind, value=value).save()
    audit.record(
        Action.CREATE,
        obj=entity,
        details={
            "fields": audit.snapshot(entity, ignore=Entity.audit_ignored_fields),
            "identifiers": [f"{k}:{v}" for k, v in identifiers],
            "duplicate_check": "overridden" if allow_duplicate else "no candidates",
        },
    )
    return entity


@action("intelligence.change_report")
def link_entity_to_report(
    report: Report,
    entity: Entity,
    *,
    actor,
    subject_category: str = "",
    is_assessment: bool = False,
) -> ReportEntity:
    """Combination: an entity named in a report, with its data-subject category."""
    errors: dict[str, list[str]] = {}
    if report.is_erased:
        errors["report"] = [_("An erased report cannot be linked.")]
    if entity.merged_into_id:
        errors["entity"] = [_("This entity was merged into another; link that one instead.")]
    if subject_category and subject_category not in SubjectCategory.values:
        errors["subject_category"] = [_("Choose a data-subject category from the list.")]
    if entity.kind == EntityKind.PERSON and not subject_category:
        errors["subject_category"] = [
            _("Say whether the person is a suspect, convicted, victim, witness or other party.")
        ]
    if ReportEntity.objects.filter(report=report, entity=entity).exists():
        errors["entity"] = [_("This entity is already linked to the report.")]
    if errors:
        raise ValidationError(errors)
    link = ReportEntity.objects.create(
        report=report,
        entity=entity,
        subject_category=subject_category,
        is_assessment=is_assessment,
        created_by=actor,
    )
    refresh_search_document(report)
    audit.record(
        Action.LINK,
        obj=report,
        details={
            "entity": entity.pk,
            "entity_kind": entity.kind,
            "subject_category": subject_category,
            "is_assessment": is_assessment,
        },
    )
    return link


@action("intelligence.add_link")
def create_link(
    *,
    actor,
    from_entity: Entity,
    to_entity: Entity,
    kind: str,
    strength: str,
    reports: Iterable[Report] = (),
    note: str = "",
    compartment: Compartment | None = None,
) -> Link:
    """Combination: a relationship between two entities, resting on reports."""
    errors: dict[str, list[str]] = {}
    if from_entity.pk == to_entity.pk:
        errors["to_entity"] = [_("An entity cannot be linked to itself.")]
    if from_entity.merged_into_id or to_entity.merged_into_id:
        errors["from_entity"] = [_("One of the entities was merged into another.")]
    compartment = compartment or from_entity.compartment
    if not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists():
        errors["compartment"] = [_("Choose a compartment you hold.")]
    from intelligence.choices import LinkKind, LinkStrength

    if kind not in LinkKind.values:
        errors["kind"] = [_("Choose the kind of link.")]
    if strength not in LinkStrength.values:
        errors["strength"] = [_("Choose confirmed, tentative or unconfirmed.")]
    if errors:
        raise ValidationError(errors)
    reports = list(reports)
    link = Link.objects.create(
        compartment=compartment,
        from_entity=from_entity,
        to_entity=to_entity,
        kind=kind,
        strength=strength,
        note=note,
        created_by=actor,
    )
    if reports:
        link.reports.set(reports)
    audit.record(
        Action.LINK,
        obj=link,
        details={
            "from_entity": from_entity.pk,
            "to_entity": to_entity.pk,
            "kind": kind,
            "strength": strength,
            "reports": [r.pk for r in reports],
        },
    )
    return link


@action("intelligence.merge_entity")
def merge_entities(keeper: Entity, duplicate: Entity, *, actor, reason: str = "") -> Entity:
    """Combination: fold ``duplicate`` into ``keeper``; every report and link moves across.

    The duplicate stays as a pointer (``merged_into``) so old references still resolve.
    """
    errors: dict[str, list[str]] = {}
    if keeper.pk == duplicate.pk:
        errors["other"] = [_("Choose a different entity to merge.")]
    if keeper.merged_into_id or duplicate.merged_into_id:
        errors["other"] = [_("One of these entities has already been merged.")]
    if keeper.compartment_id != duplicate.compartment_id:
        errors["other"] = [_("Only entities in the same compartment can be merged.")]
    if errors:
        raise ValidationError(errors)
    already = set(ReportEntity.objects.filter(entity=keeper).values_list("report_id", flat=True))
    dup_links = ReportEntity.objects.filter(entity=duplicate)
    affected_reports = set(dup_links.values_list("report_id", flat=True))
    # A report naming both keeps the keeper's row; the duplicate's row adds nothing.
    dup_links.filter(report_id__in=already).delete()
    moved_reports = dup_links.update(entity=keeper)
    self_links = Link.objects.filter(
        from_entity__in=[keeper, duplicate], to_entity__in=[keeper, duplicate]
    )
    removed_self_links = list(self_links.values_list("pk", flat=True))
    self_links.delete()
    moved_links = Link.objects.filter(from_entity=duplicate).update(from_entity=keeper)
    moved_links += Link.objects.filter(to_entity=duplicate).update(to_entity=keeper)
    known = set(keeper.identifiers.values_list("kind", "value_key"))
    moved_identifiers = 0
    for identifier in duplicate.identifiers.all():
        if (identifier.kind, identifier.value_key) in known:
            identifier.delete()
        else:
            identifier.entity = keeper
            identifier.save(update_fields=["entity"])
            moved_identifiers += 1
    if not keeper.date_of_birth and duplicate.date_of_birth:
        keeper.date_of_birth = duplicate.date_of_birth
        keeper.save(update_fields=["date_of_birth", "updated_at"])
    duplicate.merged_into = keeper
    duplicate.save(update_fields=["merged_into", "updated_at"])
    for report in Report.objects.filter(pk__in=affected_reports):
        refresh_search_document(report)
    audit.record(
        Action.MERGE,
        obj=keeper,
        details={
            "kept": keeper.pk,
            "merged": duplicate.pk,
            "merged_name": duplicate.name,
            "reason": reason,
            "report_links_moved": moved_reports,
            "links_moved": moved_links,
            "links_between_them_removed": removed_self_links,
            "identifiers_moved": moved_identifiers,
        },
    )
    return keeper


# --- Incidents --------------------------------------------------------------------------------

INCIDENT_FIELDS = (
    "reference",
    "crime_type",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "address",
    "compartment",
)


@action("intelligence.add_incident")
def record_incident(*, actor, data: dict) -> Incident:
    errors: dict[str, list[str]] = {}
    # Within the compartment only (one the person holds, checked below), so the refusal
    # confirms nothing about compartments they do not hold.
    if Incident.objects.filter(
        reference=data.get("reference", ""), compartment=data.get("compartment")
    ).exists():
        errors["reference"] = [_("An incident with this reference exists already.")]
    compartment = data.get("compartment")
    if (
        compartment is None
        or not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists()
    ):
        errors["compartment"] = [_("Choose a compartment you hold.")]
    start, end = data.get("occurred_from"), data.get("occurred_to")
    if start and end and end < start:
        errors["occurred_to"] = [_("The end of the window is before its start.")]
    if errors:
        raise ValidationError(errors)
    incident = Incident(**{f: data[f] for f in INCIDENT_FIELDS if f in data})
    incident.full_clean()
    incident.save()
    audit.record(Action.CREATE, obj=incident, details={"fields": audit.snapshot(incident)})
    return incident
