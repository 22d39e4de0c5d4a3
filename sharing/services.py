"""Sharing up: a report disseminated to another unit of the platform.

:func:`share_report` is one transaction: the checks (the report's reach, the handling code,
the sender's risk assessment, the originator's conditions), the disclosure event at the
sender, the new report in the receiving unit's intake with its provenance (a collection event
there), and the share itself. The receiving unit evaluates and grades the new report again
through the ordinary evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.choices import ProductStatus
from analysis.models import Citation, CitationKind, Product
from audit import services as audit
from audit.actions import action
from audit.choices import Action, Outcome
from ilp_platform.accounts.models import Compartment, Unit
from ilp_platform.core import events
from ilp_platform.core.references import stored
from intelligence import grading, provenance
from intelligence.choices import GradingScheme, ReportStatus
from intelligence.models import ProvenanceChannel, Report, RetentionClass
from intelligence.services.reports import allocate_urns
from intelligence.services.search import refresh_search_document
from sharing.choices import Risk, ShareKind
from sharing.models import Share
from tasking.models import Requirement, RequirementAnswer

# Handling codes under which the original text may travel to another unit (the sender still
# chooses); under every other code only the sanitised text does.
ORIGINAL_ALLOWED = {
    GradingScheme.UK_3X5X2: {"P"},
    GradingScheme.ADMIRALTY: {"P"},
    GradingScheme.UK_5X5X5: {"1"},
    GradingScheme.EUROPOL_4X4: {"H0"},
}
RISK_FIELDS = ("risk_to_source", "risk_to_operation", "risk_to_person")


def intake_compartment(unit: Unit) -> Compartment | None:
    """Where intelligence shared with ``unit`` arrives: its first active compartment."""
    return Compartment.objects.filter(unit=unit, is_active=True).order_by("pk").first()


def original_may_travel(report: Report) -> bool:
    for scheme, codes in ORIGINAL_ALLOWED.items():
        if scheme == report.grading_scheme:
            return report.handling_code in codes
    return False


def unit_of(person) -> Unit | None:
    """The unit ``person`` belongs to (none for a person of no unit)."""
    unit_id = getattr(person, "unit_id", None)
    return Unit.objects.filter(pk=unit_id).first() if unit_id is not None else None


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_risks(errors: dict, risks: dict) -> None:
    for field in RISK_FIELDS:
        value = risks.get(field) or ""
        if value not in Risk.values:
            _add(errors, field, _("Assess this risk: none, low, medium or high."))
        elif value == Risk.HIGH:
            _add(
                errors,
                field,
                _(
                    "A high risk stops the dissemination: sanitise further, impose conditions "
                    "that bring the risk down, or withhold the report."
                ),
            )


def _check_conditions(errors: dict, conditions: list[str]) -> None:
    unknown = [code for code in conditions if code not in provenance.CONDITIONS]
    if unknown:
        _add(
            errors,
            "conditions",
            _("Unknown condition: %(codes)s.") % {"codes": ", ".join(unknown)},
        )


def _check_requirement(errors: dict, requirement, actor, to_unit) -> Requirement | None:
    """A requirement issued down to the sender's unit, answered by this share: the issuing
    level's requirement is returned (the received report is linked to it)."""
    if requirement is None:
        return None
    if not Requirement.objects.visible_to(actor).filter(pk=requirement.pk).exists():
        _add(errors, "answers_requirement", _("Unknown requirement."))
        return None
    issued_from = stored(requirement, "issued_from")
    if issued_from is None or issued_from.owning_unit_id != getattr(to_unit, "pk", None):
        _add(
            errors,
            "answers_requirement",
            _("This requirement was not issued by the unit you share with."),
        )
        return None
    return issued_from


def _received_report(report: Report, share: Share, intake: Compartment, actor) -> Report:
    """The new report in the receiving unit's intake, awaiting its evaluation."""
    now = timezone.now()
    retention = RetentionClass.objects.filter(is_default=True).order_by("order").first()
    conditions = "; ".join(
        part
        for part in (
            report.handling_conditions.strip(),
            *(provenance.condition_label(code) for code in share.conditions),
            share.conditions_note.strip(),
        )
        if part
    )
    received = Report(
        urn=allocate_urns(1)[0],
        compartment=intake,
        status=ReportStatus.SUBMITTED,
        submitted_by=actor,
        submitted_at=now,
        owning_unit=share.to_unit,
        grading_scheme=report.grading_scheme,
        source_evaluation=report.source_evaluation,
        intelligence_assessment=report.intelligence_assessment,
        handling_code=report.handling_code,
        handling_conditions=conditions,
        text=report.text if share.original_sent else report.sanitised_text,
        is_personal_assessment=report.is_personal_assessment,
        has_special_category=report.has_special_category,
        occurred_at=report.occurred_at,
        occurred_from=report.occurred_from,
        occurred_to=report.occurred_to,
        latitude=report.latitude,
        longitude=report.longitude,
        place_name=report.place_name,
        retention_class=retention,
        review_due=retention.review_due_from(now.date()) if retention else None,
    )
    received.save()
    received.crime_types.set(report.crime_types.all())
    refresh_search_document(received)
    audit.record(
        Action.CREATE,
        obj=received,
        actor=actor,
        details={
            "status": received.status,
            "operation": "received from another unit",
            "share": share.pk,
            "from_unit": share.from_unit_id,
            "original_reference": report.urn,
            "original_sent": share.original_sent,
        },
    )
    return received


def _announce(share: Share, received: Report, actor) -> None:
    """Once committed, the receiving unit's managers are told what arrived in their intake:
    the received report, never the sender's original."""
    events.publish("share.received", record=received, unit=share.to_unit, actor=actor)


def _check_step(
    errors: dict,
    actor,
    to_unit: Unit | None,
    *,
    already_ours: str,
    risks: dict[str, str],
    conditions: list[str],
) -> tuple[Unit | None, Compartment | None]:
    """The dissemination step's checks common to a report and a product: the sender's unit,
    the receiving unit and its intake, the risk assessment and the conditions. Errors go into
    ``errors``; the sender's unit and the intake are returned (None where refused)."""
    from_unit = unit_of(actor)
    if from_unit is None:
        _add(errors, "to_unit", _("You belong to no unit, so you cannot share on its behalf."))
    intake = None
    if to_unit is None:
        _add(errors, "to_unit", _("Choose the unit to share with."))
    elif from_unit is not None and to_unit.pk == from_unit.pk:
        _add(errors, "to_unit", already_ours)
    else:
        intake = intake_compartment(to_unit)
        if intake is None:
            _add(
                errors,
                "to_unit",
                _("%(unit)s has no compartment to receive intelligence in.") % {"unit": to_unit},
            )
    _check_risks(errors, risks)
    _check_conditions(errors, conditions)
    return from_unit, intake


@action("sharing.add_share")
def share_report(
    report: Report,
    *,
    actor,
    to_unit: Unit | None,
    risk_to_source: str,
    risk_to_operation: str,
    risk_to_person: str,
    legal_basis: str,
    risk_assessment: str = "",
    conditions: Iterable[str] = (),
    conditions_note: str = "",
    conditions_acknowledged: bool = False,
    provider_permission: str = "",
    send_original: bool = False,
    answers_requirement: Requirement | None = None,
) -> Share:
    """Disseminate ``report`` to ``to_unit``: see the module's docstring."""
    errors: dict[str, list[str]] = {}
    conditions = [str(c).strip() for c in conditions if str(c).strip()]
    if not Report.objects.visible_to(actor).filter(pk=report.pk).exists():
        _add(errors, "report", _("Unknown report."))
        raise ValidationError(errors)
    if report.status != ReportStatus.EVALUATED:
        _add(errors, "report", _("Only an evaluated report (graded and sanitised) is shared."))
    from_unit, intake = _check_step(
        errors,
        actor,
        to_unit,
        already_ours=_("The report is already your unit's: choose another unit."),
        risks={
            "risk_to_source": risk_to_source,
            "risk_to_operation": risk_to_operation,
            "risk_to_person": risk_to_person,
        },
        conditions=conditions,
    )
    if not (legal_basis or "").strip():
        _add(errors, "legal_basis", _("State the legal basis for the disclosure."))
    if send_original and not original_may_travel(report):
        _add(
            errors,
            "send_original",
            _("Handling code %(code)s lets only the sanitised text travel.")
            % {"code": report.handling_code},
        )
    elif send_original and not report.original_visible_to(actor):
        _add(errors, "send_original", _("You do not read the original text, so cannot send it."))
    if not send_original and not report.sanitised_text.strip():
        _add(errors, "report", _("The report has no sanitised text to send."))
    issued_from = _check_requirement(errors, answers_requirement, actor, to_unit)
    if errors:
        raise ValidationError(errors)
    try:
        provenance.check_onward_sharing(report)
    except ValidationError as refused:
        audit.record(
            Action.DISCLOSE,
            obj=report,
            recipient=str(to_unit)[:300],
            outcome=Outcome.DENIED,
            actor=actor,
            details={"refused": {"originator_consent": refused.messages}},
        )
        raise
    assert to_unit is not None and from_unit is not None and intake is not None
    share = Share.objects.create(
        kind=ShareKind.REPORT,
        report=report,
        compartment=report.compartment,
        from_unit=from_unit,
        to_unit=to_unit,
        answers_requirement=answers_requirement,
        risk_to_source=risk_to_source,
        risk_to_operation=risk_to_operation,
        risk_to_person=risk_to_person,
        risk_assessment=(risk_assessment or "").strip(),
        conditions=list(dict.fromkeys(conditions)),
        conditions_note=(conditions_note or "").strip(),
        legal_basis=legal_basis.strip()[:300],
        original_sent=bool(send_original),
        grading_as_given=grading.full_code(
            report.grading_scheme,
            report.source_evaluation,
            report.intelligence_assessment,
            report.handling_code,
        )[:50],
        original_reference=report.urn,
        shared_by=actor,
    )
    try:
        audit.record_disclosure(
            report,
            recipient=to_unit.name[:300],
            legal_basis=share.legal_basis,
            conditions_acknowledged=conditions_acknowledged,
            provider_permission=provider_permission,
            note=share.reference,
            actor=actor,
        )
    except audit.DisclosureRefused as refused:
        raise ValidationError({k: [v] for k, v in refused.errors.items()}) from None
    received = _received_report(report, share, intake, actor)
    provenance.record_received(
        received,
        channel=ProvenanceChannel.UNIT_SHARE,
        originator=from_unit.name,
        originating_unit=from_unit,
        original_reference=report.urn,
        grading_as_given=f"{share.grading_as_given} ({report.grading_scheme})"[:50],
        conditions=share.conditions,
        actor=actor,
    )
    share.received_report = received
    share.save(update_fields=["received_report"])
    audit.record(
        Action.CREATE,
        obj=share,
        actor=actor,
        recipient=to_unit.name[:300],
        details={
            "kind": share.kind,
            "report": report.urn,
            "received_report": received.urn,
            "from_unit": from_unit.pk,
            "to_unit": to_unit.pk,
            "risks": {field: getattr(share, field) for field in RISK_FIELDS},
            "conditions": share.conditions,
            "legal_basis": share.legal_basis,
            "original_sent": share.original_sent,
            "answers_requirement": getattr(answers_requirement, "pk", None),
        },
    )
    _announce(share, received, actor)
    if issued_from is not None:
        answer = RequirementAnswer.objects.create(
            requirement=issued_from,
            report=received,
            note=_("Answer from %(unit)s") % {"unit": from_unit.name},
            linked_by=actor,
        )
        audit.record(
            Action.LINK,
            obj=issued_from,
            actor=actor,
            details={
                "report": received.pk,
                "report_urn": received.urn,
                "note": answer.note,
                "share": share.pk,
            },
        )
    return share


def _product_text(product: Product) -> str:
    parts = [product.title]
    for section in product.sections or []:
        body = str(section.get("body") or "").strip()
        if body:
            parts.append(f"{section.get('title') or ''}\n{body}".strip())
    return "\n\n".join(parts)


def _check_cited_consent(errors: dict, product: Product, actor) -> None:
    """A product carries what its cited reports say: a cited report received under an
    originator's "no onward sharing without consent" stops the product too, until consent is
    recorded. Every cited report is checked; one the sender may not see is not named."""
    cited = Report.objects.filter(
        pk__in=Citation.objects.filter(product=product, kind=CitationKind.REPORT).values(
            "report_id"
        ),
        provenance__isnull=False,
    )
    seen = set(Report.objects.visible_to(actor).filter(pk__in=cited).values_list("pk", flat=True))
    for report in cited.order_by("pk"):
        try:
            provenance.check_onward_sharing(report)
        except ValidationError as exc:
            if report.pk in seen:
                _add(errors, "product", exc.messages[0])
            else:
                _add(
                    errors,
                    "product",
                    _(
                        "The product cites a report whose originator allowed no onward "
                        "sharing without its consent."
                    ),
                )


@action("sharing.add_share")
def share_product(
    product: Product,
    *,
    actor,
    to_unit: Unit | None,
    risk_to_source: str,
    risk_to_operation: str,
    risk_to_person: str,
    legal_basis: str,
    risk_assessment: str = "",
    conditions: Iterable[str] = (),
    conditions_note: str = "",
    conditions_acknowledged: bool = False,
    provider_permission: str = "",
) -> Share:
    """Disseminate an approved product to ``to_unit``: the same step as for a report (handling
    code, risk assessment, conditions, legal basis, disclosure at the sender). The receiving
    unit finds the product's text as a new report in its intake, ungraded (a product carries a
    handling code, not a source evaluation): its analysts evaluate and grade it."""
    errors: dict[str, list[str]] = {}
    conditions = [str(c).strip() for c in conditions if str(c).strip()]
    if not Product.objects.visible_to(actor).filter(pk=product.pk).exists():
        raise ValidationError({"product": [_("Unknown product.")]})
    if product.status not in (ProductStatus.APPROVED, ProductStatus.DISSEMINATED):
        _add(errors, "product", _("Only an approved product is shared."))
    from_unit, intake = _check_step(
        errors,
        actor,
        to_unit,
        already_ours=_("The product is already your unit's: choose another unit."),
        risks={
            "risk_to_source": risk_to_source,
            "risk_to_operation": risk_to_operation,
            "risk_to_person": risk_to_person,
        },
        conditions=conditions,
    )
    _check_cited_consent(errors, product, actor)
    if not (legal_basis or "").strip():
        _add(errors, "legal_basis", _("State the legal basis for the disclosure."))
    if errors:
        raise ValidationError(errors)
    assert to_unit is not None and from_unit is not None and intake is not None
    share = Share.objects.create(
        kind=ShareKind.PRODUCT,
        product=product,
        compartment=product.compartment,
        from_unit=from_unit,
        to_unit=to_unit,
        risk_to_source=risk_to_source,
        risk_to_operation=risk_to_operation,
        risk_to_person=risk_to_person,
        risk_assessment=(risk_assessment or "").strip(),
        conditions=list(dict.fromkeys(conditions)),
        conditions_note=(conditions_note or "").strip(),
        legal_basis=legal_basis.strip()[:300],
        grading_as_given=f"{product.handling_code} ({product.handling_scheme})"[:50],
        original_reference=product.reference,
        shared_by=actor,
    )
    try:
        audit.record_disclosure(
            product,
            recipient=to_unit.name[:300],
            legal_basis=share.legal_basis,
            conditions_acknowledged=conditions_acknowledged,
            provider_permission=provider_permission,
            note=share.reference,
            actor=actor,
        )
    except audit.DisclosureRefused as refused:
        raise ValidationError({k: [v] for k, v in refused.errors.items()}) from None
    now = timezone.now()
    retention = RetentionClass.objects.filter(is_default=True).order_by("order").first()
    received = Report(
        urn=allocate_urns(1)[0],
        compartment=intake,
        status=ReportStatus.SUBMITTED,
        submitted_by=actor,
        submitted_at=now,
        owning_unit=to_unit,
        grading_scheme=product.handling_scheme,
        source_evaluation="",
        intelligence_assessment="",
        handling_code=product.handling_code,
        handling_conditions="; ".join(
            part
            for part in (
                (product.handling_conditions or "").strip(),
                *(provenance.condition_label(code) for code in share.conditions),
                share.conditions_note,
            )
            if part
        ),
        text=_product_text(product),
        is_personal_assessment=True,
        retention_class=retention,
        review_due=retention.review_due_from(now.date()) if retention else None,
    )
    received.save()
    refresh_search_document(received)
    audit.record(
        Action.CREATE,
        obj=received,
        actor=actor,
        details={
            "status": received.status,
            "operation": "received from another unit",
            "share": share.pk,
            "from_unit": from_unit.pk,
            "original_reference": product.reference,
        },
    )
    provenance.record_received(
        received,
        channel=ProvenanceChannel.UNIT_SHARE,
        originator=from_unit.name,
        originating_unit=from_unit,
        original_reference=product.reference,
        grading_as_given=share.grading_as_given,
        conditions=share.conditions,
        actor=actor,
    )
    share.received_report = received
    share.save(update_fields=["received_report"])
    audit.record(
        Action.CREATE,
        obj=share,
        actor=actor,
        recipient=to_unit.name[:300],
        details={
            "kind": share.kind,
            "product": product.reference,
            "received_report": received.urn,
            "from_unit": from_unit.pk,
            "to_unit": to_unit.pk,
            "risks": {field: getattr(share, field) for field in RISK_FIELDS},
            "conditions": share.conditions,
            "legal_basis": share.legal_basis,
        },
    )
    _announce(share, received, actor)
    return share
