"""Home-page panels: what intelligence work is waiting for the signed-in person."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ilp_platform.core.home import Panel
from intelligence.choices import ReportStatus
from intelligence.models import Report, Source
from intelligence.selectors import REVIEW_HORIZON_DAYS, awaiting_evaluation


def intelligence_panels(user) -> list[Panel]:
    panels: list[Panel] = []
    if user.has_perm("intelligence.evaluate_report"):
        panels.append(
            Panel(
                title=_("Reports awaiting my evaluation"),
                count=awaiting_evaluation(user).count(),
                url=reverse("intelligence:evaluation_queue"),
                tone="warning",
                note=_("Submitted by others; you cannot evaluate your own."),
                order=10,
            )
        )
    elif user.has_perm("intelligence.add_report"):
        panels.append(
            Panel(
                title=_("My submissions"),
                count=Report.objects.visible_to(user)
                .filter(submitted_by=user)
                .exclude(status=ReportStatus.ERASED)
                .count(),
                url=reverse("intelligence:report_list") + "?mine=1",
                order=10,
            )
        )
    if user.has_perm("intelligence.review_report"):
        today = timezone.localdate()
        due = Report.objects.visible_to(user).due_for_review(
            today + timedelta(days=REVIEW_HORIZON_DAYS)
        )
        panels.append(
            Panel(
                title=_("Reviews due or overdue"),
                count=due.count(),
                url=reverse("intelligence:review_queue"),
                tone="danger",
                note=_("Retention reviews falling due within %(days)s days.")
                % {"days": REVIEW_HORIZON_DAYS},
                order=20,
            )
        )
    if user.has_perm("intelligence.view_source_identity"):
        handled = Source.objects.visible_to(user).filter(handler=user).count()
        if handled:
            panels.append(
                Panel(
                    title=_("Sources I handle"),
                    count=handled,
                    url=reverse("intelligence:source_list") + "?mine=1",
                    order=30,
                )
            )
    return panels
