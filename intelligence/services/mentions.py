"""What a report's author says it mentions: suggestions of entities for the evaluator.

The officer types up to :data:`MAX_MENTIONS` rows (kind, name, details) on the report form;
they are saved with the report (:func:`record_mentions`, in the report's transaction). The
evaluator creates the entity from one (the entity form pre-filled) and links it to the report
(:func:`link_suggested_entity`: the link and the suggestion marked linked, together), or
dismisses it (:func:`dismiss_suggestion`). Names and details are personal data: events hold
their digests (``MentionSuggestion.audit_restricted_fields``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from intelligence.choices import EntityKind, ReportStatus, SuggestionStatus
from intelligence.models import Entity, MentionSuggestion, Report, ReportEntity
from intelligence.services.entities import link_entity_to_report

MAX_MENTIONS = 5
NAME_LENGTH = 200
DETAILS_LENGTH = 2000
RESTRICTED = MentionSuggestion.audit_restricted_fields


def _snapshot(suggestion: MentionSuggestion) -> dict:
    return audit.snapshot(suggestion, RESTRICTED)


def clean_rows(rows: Iterable[dict]) -> list[dict]:
    """The rows worth keeping (a name given), stripped; a ValidationError names the field of
    each bad row (``mentions-<n>-name``, as the report form's rows are named)."""
    kept, errors = [], {}
    for index, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        details = (row.get("details") or "").strip()
        kind = row.get("kind") or EntityKind.PERSON
        prefix = f"mentions-{index}"
        if not name and not details:
            continue
        if not name:
            errors[f"{prefix}-name"] = [
                _("Row %(n)s: give the name (or registration, or place) the details describe.")
                % {"n": index + 1}
            ]
        elif len(name) > NAME_LENGTH:
            errors[f"{prefix}-name"] = [
                _("Row %(n)s: a name has at most %(max)s characters.")
                % {"n": index + 1, "max": NAME_LENGTH}
            ]
        if kind not in EntityKind.values:
            errors[f"{prefix}-kind"] = [
                _("Row %(n)s: choose a person, vehicle, location, group or number.")
                % {"n": index + 1}
            ]
        if len(details) > DETAILS_LENGTH:
            errors[f"{prefix}-details"] = [
                _("Row %(n)s: details have at most %(max)s characters.")
                % {"n": index + 1, "max": DETAILS_LENGTH}
            ]
        kept.append({"kind": kind, "name": name, "details": details})
    if len(kept) > MAX_MENTIONS:
        errors["mentions"] = [
            _("At most %(max)s people, vehicles or places per report.") % {"max": MAX_MENTIONS}
        ]
    if errors:
        raise ValidationError(errors)
    return kept


@action("intelligence.add_report")
def record_mentions(report: Report, *, actor, rows: Iterable[dict]) -> Report:
    """Collection (and, on a draft, alteration): the people, vehicles and places the author
    says the report mentions, replacing what the draft held before."""
    if report.submitted_by_id != actor.pk:
        raise PermissionDenied(_("Only the report's author says what it mentions."))
    kept = clean_rows(rows)
    existing = list(MentionSuggestion.objects.filter(report=report).order_by("id"))
    # Saved with the report (created, or a draft changed, and perhaps submitted in the same
    # step); once an evaluator has acted on one of them, the rows stay as they are.
    if report.status not in (ReportStatus.DRAFT, ReportStatus.SUBMITTED) or any(
        not suggestion.is_open for suggestion in existing
    ):
        raise ValidationError(
            {"mentions": [_("What a report mentions is changed only before its evaluation.")]}
        )
    for index, row in enumerate(kept):
        if index < len(existing):
            suggestion = existing[index]
            before = _snapshot(suggestion)
            for name, value in row.items():
                setattr(suggestion, name, value)
            after = _snapshot(suggestion)
            if before == after:
                continue
            suggestion.save(update_fields=["kind", "name", "details"])
            audit.record(
                Action.UPDATE,
                obj=suggestion,
                details={"report": report.pk, "changes": audit.diff(before, after, RESTRICTED)},
            )
        else:
            suggestion = MentionSuggestion.objects.create(report=report, created_by=actor, **row)
            audit.record(
                Action.CREATE,
                obj=suggestion,
                details={"report": report.pk, "fields": _snapshot(suggestion)},
            )
    for suggestion in existing[len(kept) :]:
        audit.record(
            Action.ERASE,
            obj=suggestion,
            details={"report": report.pk, "operation": "removed from the draft"},
        )
        suggestion.delete()
    return report


def _open(suggestion: MentionSuggestion, report: Report) -> None:
    if suggestion.report_id != report.pk:
        raise ValidationError({"suggestion": [_("This suggestion belongs to another report.")]})
    if suggestion.status != SuggestionStatus.OPEN:
        raise ValidationError(
            {
                "suggestion": [
                    _("This suggestion was already %(status)s.")
                    % {"status": suggestion.get_status_display().lower()}
                ]
            }
        )


@action("intelligence.change_report")
def dismiss_suggestion(suggestion: MentionSuggestion, *, actor) -> MentionSuggestion:
    """The evaluator decides a suggestion needs no entity (already known, not relevant)."""
    report = suggestion.report
    _open(suggestion, report)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        Action.UPDATE,
        obj=suggestion,
        details={
            "report": report.pk,
            "operation": "dismiss",
            "changes": {"status": [SuggestionStatus.OPEN, SuggestionStatus.DISMISSED]},
        },
    )
    return suggestion


@action("intelligence.change_report")
def link_suggested_entity(
    suggestion: MentionSuggestion,
    entity: Entity,
    *,
    actor,
    subject_category: str = "",
    is_assessment: bool = False,
) -> ReportEntity:
    """Combination: the entity made (or found) for a suggestion linked to its report, and the
    suggestion marked linked to it, together."""
    report = suggestion.report
    _open(suggestion, report)
    link = link_entity_to_report(
        report,
        entity,
        actor=actor,
        subject_category=subject_category,
        is_assessment=is_assessment,
    )
    suggestion.status = SuggestionStatus.LINKED
    suggestion.linked_entity = entity
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "linked_entity", "decided_by", "decided_at"])
    audit.record(
        Action.UPDATE,
        obj=suggestion,
        details={
            "report": report.pk,
            "operation": "link",
            "changes": {
                "status": [SuggestionStatus.OPEN, SuggestionStatus.LINKED],
                "linked_entity": [None, entity.pk],
            },
        },
    )
    return link
