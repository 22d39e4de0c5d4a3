"""Use cases of the data-protection officer's records: keep a record of processing current,
write and approve impact assessments, produce and verify proportionality packs.

Every function is an ``@action`` (role checked first, one transaction, its own audit events).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from audit.models import AuditEvent
from dataprotection import packs
from dataprotection.choices import AssessmentStatus, PackSubject, RiskLevel
from dataprotection.models import ImpactAssessment, ProcessingRecord, ProportionalityPack
from ilp_platform.accounts.models import User
from ilp_platform.core.errors import StateConflict
from operations.models import Operation
from tasking.models import Tasking

RECORD_FIELDS = (
    "name",
    "purpose",
    "legal_basis",
    "data_categories",
    "subject_categories",
    "recipients",
    "retention",
    "safeguards",
)
ASSESSMENT_TEXTS = ("title", "scope", "risks", "measures")
PACK_TYPE = "dataprotection.proportionalitypack"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _record_fields(record: ProcessingRecord) -> dict[str, Any]:
    snapshot = audit.snapshot(record, ignore=("updated_at", "created_at"))
    return {k: v for k, v in snapshot.items() if k not in ("id",)}


@action("dataprotection.change_processingrecord")
def update_record(record: ProcessingRecord, *, actor: User, data: dict) -> ProcessingRecord:
    """Change a record of processing; every text must stay filled in."""
    errors = {
        name: [_("This cannot be empty.")]
        for name in RECORD_FIELDS
        if name in data and not str(data[name] or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    before = _record_fields(record)
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, str(data[name]).strip())
    if "assessment_required" in data:
        record.assessment_required = bool(data["assessment_required"])
    record.from_baseline = False
    record.updated_by = actor
    record.save()
    audit.record(
        Action.UPDATE, obj=record, details={"changes": audit.diff(before, _record_fields(record))}
    )
    return record


def _check_assessment(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("title", "risks", "measures"):
        if name in data and not str(data[name] or "").strip():
            errors[name] = [_("This cannot be empty.")]
    if "record" in data and not isinstance(data["record"], ProcessingRecord):
        errors["record"] = [_("Choose the record of processing assessed.")]
    if "review_due" in data and data["review_due"] is None:
        errors["review_due"] = [_("Give the date by which the assessment is reviewed.")]
    elif data.get("review_due") and data["review_due"] <= timezone.localdate():
        errors["review_due"] = [_("The review date must be in the future.")]
    if "residual_risk" in data and data["residual_risk"] not in RiskLevel.values:
        errors["residual_risk"] = [_("Choose low, medium or high.")]
    if errors:
        raise ValidationError(errors)


def _assessment_fields(assessment: ImpactAssessment) -> dict[str, Any]:
    return audit.snapshot(assessment, ignore=("updated_at", "created_at"))


@action("dataprotection.add_impactassessment")
def create_assessment(*, actor: User, data: dict) -> ImpactAssessment:
    required = {"record": None, "title": "", "risks": "", "measures": "", "review_due": None}
    _check_assessment({**required, **data})
    assessment = ImpactAssessment(author=actor, record=data["record"])
    for name in ASSESSMENT_TEXTS:
        setattr(assessment, name, str(data.get(name) or "").strip())
    assessment.review_due = data["review_due"]
    assessment.residual_risk = data.get("residual_risk") or RiskLevel.MEDIUM
    assessment.save()
    audit.record(Action.CREATE, obj=assessment, details={"fields": _assessment_fields(assessment)})
    return assessment


@action("dataprotection.change_impactassessment")
def update_assessment(assessment: ImpactAssessment, *, actor: User, data: dict) -> ImpactAssessment:
    """Change an assessment; an approved one returns to draft and needs approving again."""
    _check_assessment(data)
    before = _assessment_fields(assessment)
    for name in ASSESSMENT_TEXTS:
        if name in data:
            setattr(assessment, name, str(data[name] or "").strip())
    for name in ("review_due", "residual_risk", "record"):
        if name in data:
            setattr(assessment, name, data[name])
    reopened = assessment.status == AssessmentStatus.APPROVED
    if reopened:
        assessment.status = AssessmentStatus.DRAFT
        assessment.approved_by = None
        assessment.approved_at = None
        assessment.approval_note = ""
    assessment.save()
    audit.record(
        Action.UPDATE,
        obj=assessment,
        details={
            "changes": audit.diff(before, _assessment_fields(assessment)),
            "approval_withdrawn": reopened,
        },
    )
    return assessment


@action("dataprotection.approve_impactassessment")
def approve_assessment(
    assessment: ImpactAssessment, *, actor: User, note: str = ""
) -> ImpactAssessment:
    """Approve an assessment: someone other than its author, once."""
    if assessment.status == AssessmentStatus.APPROVED:
        raise StateConflict(_("The assessment is already approved."), field="status")
    if assessment.author_id == actor.pk:
        raise ValidationError(
            {"approved_by": [_("Someone other than the assessment's author approves it.")]}
        )
    assessment.status = AssessmentStatus.APPROVED
    assessment.approved_by = actor
    assessment.approved_at = timezone.now()
    assessment.approval_note = (note or "").strip()
    assessment.save(
        update_fields=["status", "approved_by", "approved_at", "approval_note", "updated_at"]
    )
    audit.record(
        Action.UPDATE,
        obj=assessment,
        details={
            "changes": {"status": [AssessmentStatus.DRAFT, AssessmentStatus.APPROVED]},
            "approved_by": actor.username,
            "author": assessment.author.username,
            "review_due": assessment.review_due,
        },
    )
    return assessment


# --- Proportionality packs ----------------------------------------------------------------------


def find_subject(subject_type: str, reference: str):
    """The operation (by id or reference) or tasking (by id) a pack is asked for, read as the
    log names it (see :mod:`dataprotection.packs`); ValidationError naming the field."""
    text = str(reference or "").strip()
    if subject_type not in PackSubject.values:
        raise ValidationError({"subject_type": [_("Choose an operation or a tasking.")]})
    if not text:
        raise ValidationError({"subject": [_("Name the operation or tasking.")]})
    found: Operation | Tasking | None = None
    if subject_type == PackSubject.OPERATION:
        operations = Operation._base_manager.select_related("compartment", "lead")
        found = operations.filter(reference__iexact=text).first()
        if found is None and text.isdigit() and len(text) < 19:
            found = operations.filter(pk=int(text)).first()
    elif text.isdigit() and len(text) < 19:
        found = (
            Tasking._base_manager.select_related("compartment", "owner_user")
            .filter(pk=int(text))
            .first()
        )
    if found is None:
        raise ValidationError(
            {
                "subject": [
                    _("No operation has this reference or id.")
                    if subject_type == PackSubject.OPERATION
                    else _("No tasking has this id.")
                ]
            }
        )
    return found


@action("dataprotection.add_proportionalitypack")
def produce_pack(*, actor: User, subject_type: str, subject: str) -> ProportionalityPack:
    """Build the pack, store it with its SHA-256, and record the hash in the log."""
    target = find_subject(subject_type, subject)
    content = packs.build(target, produced_by=actor.username)
    sha256 = packs.digest(content)
    pack = ProportionalityPack(
        subject_type=subject_type,
        operation=target if subject_type == PackSubject.OPERATION else None,
        tasking=target if subject_type == PackSubject.TASKING else None,
        subject_reference=content["subject"]["reference"][:60],
        content=content,
        sha256=sha256,
        produced_by=actor,
    )
    pack.save()
    event = audit.record(
        Action.CREATE,
        obj=pack,
        compartment=target.compartment.slug,
        details={
            "sha256": sha256,
            "format": packs.FORMAT,
            "subject": f"{subject_type}:{target.pk}",
            "events_covered": content["consultations"]["events"],
        },
    )
    pack.audit_event_id = event.pk if event is not None else None
    pack.save(update_fields=["audit_event_id"])
    return pack


def _digest_of(text: str) -> str:
    """The SHA-256 a submitted pack stands for: the canonical form of its JSON, so the same
    pack re-indented still matches and any changed value does not."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError(
            {"pack": [_("This is not JSON: submit the pack's JSON file.")]}
        ) from None
    return hashlib.sha256(packs.canonical(data)).hexdigest()


@action("dataprotection.view_proportionalitypack")
def verify_pack(*, actor: User, pack_text: str = "", sha256: str = "") -> dict:
    """Whether a pack (its JSON, or its SHA-256) is one the log recorded, unchanged.

    A match needs the hash in the production event of the log (append-only, hash-chained),
    not only in the pack's row, which the database could change."""
    pack_text = (pack_text or "").strip()
    sha256 = (sha256 or "").strip().lower()
    if not pack_text and not sha256:
        raise ValidationError({"pack": [_("Submit the pack's JSON or its SHA-256.")]})
    if sha256 and not _SHA256.match(sha256):
        raise ValidationError({"sha256": [_("A SHA-256 is 64 hexadecimal characters.")]})
    digest = _digest_of(pack_text) if pack_text else sha256
    result: dict[str, Any]
    if pack_text and sha256 and digest != sha256:
        result = {"match": False, "sha256": digest, "reason": "the JSON and the hash differ"}
    else:
        event = (
            AuditEvent.objects.filter(
                object_type=PACK_TYPE, action=Action.CREATE, details__sha256=digest
            )
            .order_by("id")
            .first()
        )
        result = {"match": event is not None, "sha256": digest}
        if event is not None:
            result.update(
                {
                    "pack": event.object_repr,
                    "pack_id": int(event.object_id),
                    "recorded_at": event.occurred_at.isoformat(),
                    "recorded_by": event.actor_username,
                    "audit_event": event.pk,
                }
            )
    audit.record(
        Action.VIEW,
        object_type=PACK_TYPE,
        object_id=result.get("pack_id", ""),
        object_repr=result.get("pack", ""),
        details={"verify": digest, "match": result["match"]},
    )
    return result
