"""Sources: registering one and changing it (its identity only by its handler)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core.references import stored_values
from intelligence.models import Source

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
