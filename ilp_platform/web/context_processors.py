"""Navigation that fits the signed-in person's roles."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, permission needed, icon). A link shows only when its page exists and the
# person holds its permission, so later features appear in the menu as they land.
NAVIGATION = [
    (_("Home"), "core:home", None, "house"),
    (_("Submit intelligence"), "intelligence:report_create", "intelligence.add_report", "plus"),
    (_("Reports"), "intelligence:report_list", "intelligence.view_report", "file-text"),
    (_("Evaluate"), "intelligence:evaluation_queue", "intelligence.evaluate_report", "check2"),
    (_("Search"), "intelligence:search", "intelligence.view_entity", "search"),
    (_("Entities"), "intelligence:entity_list", "intelligence.view_entity", "diagram-3"),
    (_("Sources"), "intelligence:source_list", "intelligence.view_source", "person-badge"),
    (_("Reviews"), "intelligence:review_queue", "intelligence.review_report", "calendar-check"),
    (_("Incidents"), "intelligence:incident_list", "intelligence.view_incident", "geo"),
    (_("Analysis"), "analysis:job_list", "analysis.view_analysisjob", "graph-up"),
    (_("Products"), "analysis:product_list", "analysis.view_product", "journal-text"),
    (_("Operations"), "operations:list", "operations.view_operation", "folder2-open"),
    (_("Shared"), "sharing:list", "sharing.view_share", "arrow-left-right"),
    (_("Partners"), "exchange:partner_list", "exchange.view_partner", "globe"),
    (_("Tasking"), "tasking:meeting_list", "tasking.view_meeting", "people"),
    (_("My taskings"), "tasking:my_taskings", "tasking.view_tasking", "list-check"),
    (_("Audit log"), "audit:event_list", "audit.view_auditevent", "shield-check"),
    (_("Integrity"), "audit:integrity", "audit.view_integritycheck", "link-45deg"),
    (_("Anomalies"), "audit:anomaly_list", "audit.view_anomaly", "exclamation-diamond"),
    (
        _("Subject requests"),
        "subjectrequests:list",
        "subjectrequests.view_subjectrequest",
        "person-lines-fill",
    ),
    (
        _("Processing records"),
        "dataprotection:record_list",
        "dataprotection.view_processingrecord",
        "journal-check",
    ),
    (_("Administration"), "admin:index", "accounts.change_user", "gear"),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for label, name, perm, icon in NAVIGATION:
            if perm and not user.has_perm(perm):
                continue
            url = _url(name)
            if url is None:
                continue
            active = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"label": label, "url": url, "icon": icon, "active": active})
    return {
        "nav_items": items,
        "deployment_name": settings.ILP["DEPLOYMENT_NAME"],
    }
