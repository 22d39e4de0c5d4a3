"""The evaluation queue's workflow: reports assigned to an evaluator, or deferred to a later day.

Both act on reports chosen from the queue, all or nothing. Every report named must be within
the actor's reach (one outside it is refused as a missing one: by its id, with a ``denied``
event, nothing else said) and must pass the action's rules; otherwise nothing changes and the
refusals are listed, each by URN. Each report changed gets its own alteration event, with the
reason when one is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import User
from intelligence import selectors
from intelligence.choices import ReportStatus
from intelligence.models import Report
from intelligence.models.reports import EVALUATE

# Reports one bulk action may name: a queue page holds 50. Each report changed writes its own
# audit event (a few statements on the hash chain), so a request stays well under a second.
BULK_LIMIT = 200
# How far ahead a report may be deferred: further than this is more likely a typing error
# than a plan (the report would vanish from the queue for years).
DEFER_MAX_DAYS = 366


def _chosen(actor: User, report_ids: Sequence[int]) -> list[Report]:
    """The reports named, locked for the change; a refusal if one is missing or out of reach,
    or if they are too many."""
    wanted = list(dict.fromkeys(report_ids))
    if not wanted:
        raise ValidationError({"reports": [_("Choose at least one report.")]})
    if len(wanted) > BULK_LIMIT:
        raise ValidationError(
            {
                "reports": [
                    _("Choose at most %(limit)s reports at a time (%(count)s were chosen).")
                    % {"limit": BULK_LIMIT, "count": len(wanted)}
                ]
            }
        )
    queryset, missing = selectors.selected_reports(actor, wanted)
    if missing:
        for pk in missing:
            audit.record_denied(
                object_type="intelligence.report",
                object_id=pk,
                reason="not found or outside the user's compartments",
            )
        raise ValidationError(
            {"reports": [_("Report %(id)s: not found.") % {"id": pk} for pk in missing]}
        )
    return list(
        queryset.select_related("compartment").select_for_update(of=("self",)).order_by("pk")
    )


def _not_in_queue(actor: User, report: Report) -> str | None:
    """Why the report cannot be acted on from the actor's queue: it no longer awaits
    evaluation, or the actor wrote it (four eyes: their own reports are not in their queue)."""
    if report.status != ReportStatus.SUBMITTED:
        return _("%(urn)s: no longer awaiting evaluation.") % {"urn": report.urn}
    if report.submitted_by_id == actor.pk:
        return _("%(urn)s: you wrote it; another analyst evaluates it.") % {"urn": report.urn}
    return None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _record(report: Report, operation: str, changes: dict, reason: str) -> None:
    details: dict = {"operation": operation, "changes": changes}
    if reason:
        details["reason"] = reason
    audit.record(Action.UPDATE, obj=report, details=details)


@action(EVALUATE)
def assign_reports(
    report_ids: Sequence[int], *, actor: User, assignee: User | None, reason: str = ""
) -> list[Report]:
    """Assign reports awaiting evaluation to ``assignee`` (``None``: to nobody).

    The assignee must be an active person who may evaluate, see every report chosen, and not
    have written it (four eyes). Reports already assigned to them are left as they are.
    """
    reason = (reason or "").strip()
    if assignee is not None and not (assignee.is_active and assignee.has_perm(EVALUATE)):
        raise ValidationError(
            {"assignee": [_("%(name)s may not evaluate reports.") % {"name": assignee}]}
        )
    reports = _chosen(actor, report_ids)
    reach: set[int] = set()
    if assignee is not None:
        reach = set(
            Report.objects.visible_to(assignee)
            .filter(pk__in=[r.pk for r in reports])
            .values_list("pk", flat=True)
        )
    refusals = []
    for report in reports:
        refusal = _not_in_queue(actor, report)
        if refusal is None and assignee is not None:
            names = {"urn": report.urn, "name": assignee}
            if report.pk not in reach:
                refusal = _("%(urn)s: %(name)s may not see this report.") % names
            elif report.submitted_by_id == assignee.pk:
                refusal = _("%(urn)s: %(name)s wrote it; another analyst evaluates it.") % names
        if refusal is not None:
            refusals.append(refusal)
    if refusals:
        raise ValidationError({"reports": refusals})
    new_id = assignee.pk if assignee is not None else None
    changed = [r for r in reports if r.assigned_to_id != new_id]
    now = timezone.now()
    assigned_at = now if assignee is not None else None
    Report.objects.filter(pk__in=[r.pk for r in changed]).update(
        assigned_to=assignee, assigned_at=assigned_at, updated_at=now
    )
    for report in changed:
        changes = {
            "assigned_to": [report.assigned_to_id, new_id],
            "assigned_at": [_iso(report.assigned_at), _iso(assigned_at)],
        }
        report.assigned_to, report.assigned_at, report.updated_at = assignee, assigned_at, now
        _record(report, "assign", changes, reason)
    return reports


@action(EVALUATE)
def defer_reports(
    report_ids: Sequence[int], *, actor: User, until: date | None, reason: str = ""
) -> list[Report]:
    """Evaluate later: reports awaiting evaluation leave the queue's default view until the
    day ``until`` (``None``: back in the queue now). Who deferred them is kept beside the day.
    """
    reason = (reason or "").strip()
    today = timezone.localdate()
    if until is not None and until <= today:
        raise ValidationError({"until": [_("Choose a day after today.")]})
    if until is not None and until > today + timedelta(days=DEFER_MAX_DAYS):
        raise ValidationError(
            {
                "until": [
                    _("Choose a day within %(days)s days from today.") % {"days": DEFER_MAX_DAYS}
                ]
            }
        )
    reports = _chosen(actor, report_ids)
    refusals = [r for r in (_not_in_queue(actor, report) for report in reports) if r]
    if refusals:
        raise ValidationError({"reports": refusals})
    deferred_by = actor if until is not None else None
    now = timezone.now()
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        deferred_until=until, deferred_by=deferred_by, updated_at=now
    )
    for report in reports:
        # The day in clear: a plan of work, not personal data (as a review's due date).
        changes = {
            "deferred_until": [_iso(report.deferred_until), _iso(until)],
            "deferred_by": [report.deferred_by_id, deferred_by.pk if deferred_by else None],
        }
        report.deferred_until, report.deferred_by, report.updated_at = until, deferred_by, now
        _record(report, "defer", changes, reason)
    return reports
