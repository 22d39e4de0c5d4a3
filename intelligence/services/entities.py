"""Entities and links: collation (with a duplicate check), naming an entity in a report,
links between entities resting on reports, and merging duplicates."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import events
from intelligence.choices import EntityKind, SubjectCategory
from intelligence.models import Entity, Identifier, Link, Report, ReportEntity
from intelligence.models.entities import normalise_identifier
from intelligence.services.search import refresh_search_document


class DuplicateEntity(Exception):
    """The entity about to be created probably exists already; ``candidates`` lists them."""

    def __init__(self, candidates):
        super().__init__("possible duplicates")
        self.candidates = list(candidates)


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


ENTITY_FIELDS = ("name", "description", "date_of_birth")


@action("intelligence.change_entity")
def update_entity(entity: Entity, *, actor, data: dict) -> Entity:
    """Alteration: an entity's name, description or date of birth corrected."""
    if entity.merged_into_id:
        raise ValidationError(
            {"name": [_("A merged entity is changed through the one it was merged into.")]}
        )
    if "name" in data and not (data.get("name") or "").strip():
        raise ValidationError({"name": [_("Give the entity a name (or the identifier itself).")]})
    before = audit.snapshot(entity, ignore=Entity.audit_ignored_fields)
    for name in ENTITY_FIELDS:
        if name in data:
            value = data[name]
            setattr(entity, name, value.strip() if isinstance(value, str) else value)
    entity.save()
    after = audit.snapshot(entity, ignore=Entity.audit_ignored_fields)
    audit.record(Action.UPDATE, obj=entity, details={"changes": audit.diff(before, after)})
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
    events.publish("entity.mentioned", mention=link, actor=actor)
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
