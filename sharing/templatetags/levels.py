"""Panels the sharing app adds to other apps' pages: sharing a report (and recording the
originator's consent) on the report's page; a requirement's place between levels on its page;
issuing a priority of the control strategy down, on the priority's page."""

from __future__ import annotations

from django import template

from intelligence.choices import ReportStatus
from intelligence.models import Provenance
from sharing import levels, strategy
from sharing.models import Share
from tasking.choices import RequirementStatus
from tasking.models import Priority, Requirement

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("sharing/_report_panel.html", takes_context=True)
def report_sharing(context, report):
    """``{% report_sharing report %}``: the share button, the consent form's link, and the
    shares of this report the reader may see."""
    user = _user(context)
    if user is None or not user.has_perm("sharing.view_share"):
        return {"show": False}
    received = Provenance.objects.visible_to(user).filter(report=report).first()
    return {
        "show": True,
        "report": report,
        "can_share": user.has_perm("sharing.add_share") and report.status == ReportStatus.EVALUATED,
        "needs_consent": received is not None
        and received.consent_missing
        and user.has_perm("intelligence.evaluate_report"),
        "shares": list(
            Share.objects.visible_to(user).filter(report=report).select_related("to_unit")[:20]
        ),
    }


@register.inclusion_tag("sharing/_requirement_panel.html", takes_context=True)
def requirement_levels(context, requirement):
    """``{% requirement_levels requirement %}``: issued from above (and accepting it), or
    issued down (the progress below, issuing further, closing here and below)."""
    user = _user(context)
    if user is None:
        return {"show": False}
    issued_from_id = requirement.issued_from_id
    issued_from_visible = bool(
        issued_from_id and Requirement.objects.visible_to(user).filter(pk=issued_from_id).exists()
    )
    is_open = requirement.status == RequirementStatus.OPEN
    below = levels.units_below(requirement) if requirement.owning_unit_id else []
    progress = levels.progress_below(requirement)
    return {
        "show": bool(issued_from_id or below or progress),
        "requirement": requirement,
        "from_above": bool(issued_from_id),
        "issued_from_visible": issued_from_visible,
        # The copy's own record names who issued it (a unit name is not secret); the
        # issuing level's requirement itself is shown only to those who may see it.
        "issuing_unit": requirement.raised_by.unit if issued_from_id else None,
        "can_accept": bool(issued_from_id)
        and is_open
        and requirement.accepted_at is None
        and user.has_perm("tasking.change_requirement")
        and requirement.owning_unit_id == getattr(user, "unit_id", None),
        "progress": progress,
        "can_issue": is_open and bool(below) and user.has_perm("tasking.add_requirement"),
        "can_close": is_open and bool(progress) and user.has_perm("tasking.change_requirement"),
        "statuses": [RequirementStatus.SATISFIED, RequirementStatus.CANCELLED],
    }


@register.inclusion_tag("sharing/_priority_issue_button.html", takes_context=True)
def priority_issue_button(context, priority):
    """``{% priority_issue_button priority %}``: "Issue down" for a manager of the unit whose
    approved priority it is, when that unit has units below (with how many it went to)."""
    user = _user(context)
    if user is None or not strategy.may_issue(priority, user):
        return {"show": False}
    return {
        "show": True,
        "priority": priority,
        "issued": Priority.objects.filter(issued_from=priority).count(),
    }
