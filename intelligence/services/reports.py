"""Reports: numbering (URNs), writing and submitting, evaluation (four eyes) and re-grading,
with the grading history."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment
from ilp_platform.core.references import stored_values
from intelligence import grading
from intelligence.choices import ReportStatus
from intelligence.models import Grading, Report, RetentionClass, Source
from intelligence.services.search import refresh_search_document

REPORT_RESTRICTED = Report.audit_restricted_fields
# How far ahead of the server's clock an occurrence time may lie (another device's drift).
FUTURE_TOLERANCE = timedelta(minutes=10)
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
    # What a report describes has happened: a time ahead of now (beyond a clock's drift) is a
    # typing error, which would also throw every time-based analysis off.
    latest = timezone.now() + FUTURE_TOLERANCE
    times = (("occurred_at", occurred_at), ("occurred_from", start), ("occurred_to", end))
    for name, when in times:
        if when is not None and when > latest:
            _add(
                errors,
                name,
                _("%(when)s is in the future: give the time it happened.")
                % {"when": date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")},
            )
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


# --- Writing, submitting, evaluating ----------------------------------------------------------


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
