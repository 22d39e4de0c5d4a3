"""Review-compliance figures for the oversight integrity page (LED Art. 5, MoPI).

Counts only, across all compartments: oversight checks that review deadlines are kept
without reading any report, so no record content or identifier leaves this function.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intelligence.choices import ReportStatus
from intelligence.models import Report


def review_compliance() -> list[tuple[str, object, str]]:
    today = timezone.localdate()
    figures = Report.objects.aggregate(
        evaluated=Count("id", filter=Q(status=ReportStatus.EVALUATED)),
        overdue=Count("id", filter=Q(status=ReportStatus.EVALUATED, review_due__lt=today)),
        due_soon=Count(
            "id",
            filter=Q(
                status=ReportStatus.EVALUATED,
                review_due__gte=today,
                review_due__lte=today + timedelta(days=30),
            ),
        ),
        no_date=Count("id", filter=Q(status=ReportStatus.EVALUATED, review_due__isnull=True)),
        erased=Count("id", filter=Q(status=ReportStatus.ERASED)),
    )
    evaluated = figures["evaluated"] or 0
    overdue = figures["overdue"] or 0
    share = f" ({overdue * 100 / evaluated:.1f}%)" if evaluated else ""
    return [
        (_("Evaluated reports under review control"), evaluated, "body"),
        (_("Reports overdue for review"), f"{overdue}{share}", "danger" if overdue else "success"),
        (_("Reviews due in the next 30 days"), figures["due_soon"], "body"),
        (
            _("Evaluated reports without a review date"),
            figures["no_date"],
            "danger" if figures["no_date"] else "success",
        ),
        (_("Reports erased (tombstones kept)"), figures["erased"], "body"),
    ]
