"""Incidents recorded one at a time (files are imported by ``intelligence.imports``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from intelligence.models import Incident

INCIDENT_FIELDS = (
    "reference",
    "crime_type",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "address",
    "origin",
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
