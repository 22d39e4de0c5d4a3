"""Received intelligence: recording where a report came from, and the sender's conditions.

Two channels bring reports in: another unit of this platform (``sharing``) and a partner
agency (``exchange``). Both call :func:`record_received` once the received report exists in
the receiving compartment, and :func:`check_onward_sharing` before sending a report anywhere
else; :func:`record_consent` lifts the "originator consent needed" condition.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from intelligence.models import ORIGINATOR_CONSENT, Provenance, ProvenanceChannel, Report

# Codes a sender may impose, with their meaning. Unknown codes are kept and shown as given.
CONDITIONS = {
    ORIGINATOR_CONSENT: gettext_lazy("No onward sharing without the originator's consent"),
    "no_judicial_use": gettext_lazy(
        "Not to be used in judicial proceedings without the originator's permission"
    ),
    "law_enforcement_only": gettext_lazy("Law-enforcement use only"),
    "no_action_without_consultation": gettext_lazy(
        "No executive action without consulting the originator"
    ),
}


def condition_label(code: str) -> str:
    return str(CONDITIONS.get(code, code))


def _clean_conditions(conditions: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for code in conditions or ():
        code = str(code).strip()
        if code and code not in seen:
            seen.append(code)
    return seen


# Not re-checked against the actor: the sender of a unit share records the provenance of a
# report that lands in the receiving unit's compartment, outside its own reach.
@action(recheck=False)
def record_received(
    report: Report,
    *,
    channel: str,
    originator: str,
    originating_unit=None,
    original_reference: str,
    grading_as_given: str,
    conditions: Iterable[str] = (),
    data_quality: dict | None = None,
    actor,
) -> Provenance:
    """Collection: note where ``report`` (already created in the receiving compartment) came
    from, as the sender gave it. ``actor`` may be ``None`` for the platform itself (an import
    job)."""
    errors: dict[str, list[str]] = {}
    if channel not in ProvenanceChannel.values:
        errors["channel"] = [_("Unknown channel: %(channel)s.") % {"channel": channel}]
    if not (originator or "").strip():
        errors["originator"] = [_("Name the originating unit or agency.")]
    if not (original_reference or "").strip():
        errors["original_reference"] = [_("Give the original reference (URN).")]
    if channel == ProvenanceChannel.UNIT_SHARE and originating_unit is None:
        errors["originating_unit"] = [_("A unit share names its originating unit.")]
    if data_quality is not None and not isinstance(data_quality, dict):
        errors["data_quality"] = [_("Data-quality statements are given by name.")]
    if Provenance.objects.filter(report=report).exists():
        errors["report"] = [_("This report already has its provenance.")]
    if errors:
        raise ValidationError(errors)
    provenance = Provenance.objects.create(
        report=report,
        channel=channel,
        originator=originator.strip()[:200],
        originating_unit=originating_unit,
        original_reference=original_reference.strip()[:100],
        grading_as_given=(grading_as_given or "").strip()[:50],
        conditions=_clean_conditions(conditions),
        data_quality=dict(data_quality or {}),
        received_at=timezone.now(),
    )
    audit.record(
        Action.CREATE,
        obj=provenance,
        object_repr=report.urn,
        compartment=report.compartment.slug,
        actor=actor,
        details={
            "report": report.urn,
            "channel": provenance.channel,
            "originator": provenance.originator,
            "originating_unit": provenance.originating_unit_id,
            "original_reference": provenance.original_reference,
            "grading_as_given": provenance.grading_as_given,
            "conditions": provenance.conditions,
            "data_quality": sorted(provenance.data_quality),
        },
    )
    return provenance


def check_onward_sharing(report: Report) -> None:
    """Refuse (``ValidationError`` with code ``originator_consent``) to send ``report`` on while
    its originator's consent is required and not recorded."""
    provenance = Provenance.objects.filter(report=report).first()
    if provenance is not None and provenance.consent_missing:
        raise ValidationError(
            _(
                "%(originator)s allowed no onward sharing of %(urn)s without its consent: "
                "record the originator's consent first."
            )
            % {"originator": provenance.originator, "urn": report.urn},
            code=ORIGINATOR_CONSENT,
        )


@action("intelligence.evaluate_report")
def record_consent(report: Report, *, actor, note: str) -> Provenance:
    """Alteration: the originator consented to onward sharing (note: who agreed, how, when)."""
    if not Report.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(_("You cannot see this report."))
    provenance = Provenance.objects.filter(report=report).first()
    if provenance is None:
        raise ValidationError({"report": [_("This report was not received from elsewhere.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say who consented for the originator, how and when.")]})
    provenance.consent_recorded_at = timezone.now()
    provenance.consent_recorded_by = actor
    provenance.consent_note = note.strip()
    provenance.save(update_fields=["consent_recorded_at", "consent_recorded_by", "consent_note"])
    audit.record(
        Action.UPDATE,
        obj=provenance,
        object_repr=report.urn,
        compartment=report.compartment.slug,
        actor=actor,
        details={
            "report": report.urn,
            "consent_recorded": True,
            "note": audit.value_digest(provenance.consent_note),
        },
    )
    return provenance
