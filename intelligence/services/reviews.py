"""Retention reviews (MoPI): an evaluated report is retained with a reason and its next
review date, or erased (a tombstone keeps its URN, dates, who and why)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from intelligence.choices import ReportStatus, ReviewDecision
from intelligence.models import Grading, Link, MentionSuggestion, Report, ReportEntity, Review


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
                "changes": {
                    "review_due": [audit.jsonable(old_due), audit.jsonable(next_review_due)]
                },
            },
        )
    else:
        _erase(report, actor=actor, reason=review.reason)
    return review


@action(recheck=False)
def erase_report(report: Report, *, actor, reason: str) -> Report:
    """Erasure outside a retention review, for a data-subject request (LED Art. 16): the same
    tombstone as a review's erasure. The caller decides who may erase (the data-protection
    officer, on an erasure request: ``subjectrequests.services.erase``)."""
    if report.is_erased:
        raise ValidationError({"report": [_("The report has already been erased.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Record the reason for the erasure.")]})
    _erase(report, actor=actor, reason=reason.strip())
    return report


def _erase(report: Report, *, actor, reason: str) -> None:
    """Erasure: content and personal data go; a tombstone keeps URN, dates, who and why."""
    compartment = report.compartment
    removed_links = ReportEntity.objects.filter(report=report).delete()[0]
    # The people, vehicles and places its author typed are personal data of the report too.
    removed_suggestions = MentionSuggestion.objects.filter(report=report).delete()[0]
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
            "suggestions_removed": removed_suggestions,
        },
    )
