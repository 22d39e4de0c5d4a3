"""Home-page panels: what intelligence work is waiting for the signed-in person.

Each panel's count and chart come from one aggregate query (conditional counts), so the home
page costs a fixed number of queries whatever the size of the tables.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ilp_platform.core.home import Chart, Panel
from intelligence.choices import ReportStatus
from intelligence.models import Report, Source
from intelligence.selectors import REVIEW_HORIZON_DAYS, awaiting_evaluation, by_deferral

# How long reports have waited for evaluation, in days: (label, from, to); None = open-ended.
WAITING_BANDS = (
    (gettext_lazy("<1 day"), 0, 1, "primary"),
    (gettext_lazy("1-3 days"), 1, 3, "primary"),
    (gettext_lazy("3-7 days"), 3, 7, "warning"),
    (gettext_lazy("1-4 weeks"), 7, 28, "warning"),
    (gettext_lazy(">4 weeks"), 28, None, "danger"),
)
# Submission statuses an officer follows, in the order a report moves through them.
SUBMISSION_STATUSES = (ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.EVALUATED)


def _waiting_chart(queryset, now) -> tuple[int, Chart]:
    """Reports in ``queryset`` counted by how long ago they were submitted (one query)."""
    aggregates = {"total": Count("id")}
    for index, (_label, start, end, _tone) in enumerate(WAITING_BANDS):
        condition = Q()
        if end is not None:
            condition &= Q(submitted_at__gt=now - timedelta(days=end))
        if start:
            condition &= Q(submitted_at__lte=now - timedelta(days=start))
        elif end is not None:
            # Not stamped (should not happen): counted as new rather than lost.
            condition |= Q(submitted_at__isnull=True)
        aggregates[f"band{index}"] = Count("id", filter=condition)
    figures = queryset.aggregate(**aggregates)
    chart = Chart(
        summary=_("Reports awaiting evaluation by time waiting"),
        labels=[str(band[0]) for band in WAITING_BANDS],
        values=[figures[f"band{i}"] for i in range(len(WAITING_BANDS))],
        tones=[band[3] for band in WAITING_BANDS],
    )
    return figures["total"], chart


def _submissions_chart(user) -> tuple[int, Chart]:
    rows = dict(
        Report.objects.visible_to(user)
        .filter(submitted_by=user, status__in=SUBMISSION_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    labels = dict(ReportStatus.choices)
    short = {
        ReportStatus.DRAFT: _("Draft"),
        ReportStatus.SUBMITTED: _("Awaiting"),
        ReportStatus.EVALUATED: _("Evaluated"),
    }
    chart = Chart(
        summary=_("My submissions by status"),
        labels=[str(short.get(s, labels[s])) for s in SUBMISSION_STATUSES],
        values=[rows.get(s, 0) for s in SUBMISSION_STATUSES],
        tones=["secondary", "warning", "success"],
    )
    return sum(rows.values()), chart


def _reviews_chart(user, today) -> tuple[int, Chart]:
    due = Report.objects.visible_to(user).due_for_review(
        today + timedelta(days=REVIEW_HORIZON_DAYS)
    )
    figures = due.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(review_due__lt=today)),
        week=Count("id", filter=Q(review_due__gte=today, review_due__lte=today + timedelta(7))),
    )
    later = figures["total"] - figures["overdue"] - figures["week"]
    chart = Chart(
        summary=_("Retention reviews by due date"),
        labels=[
            _("Overdue"),
            _("This week"),
            _("Within %(days)s days") % {"days": REVIEW_HORIZON_DAYS},
        ],
        values=[figures["overdue"], figures["week"], later],
        tones=["danger", "warning", "primary"],
    )
    return figures["total"], chart


def intelligence_panels(user) -> list[Panel]:
    panels: list[Panel] = []
    now = timezone.now()
    if user.has_perm("intelligence.evaluate_report"):
        # What the queue shows by default: without the reports deferred to a later day.
        total, chart = _waiting_chart(by_deferral(awaiting_evaluation(user)), now)
        panels.append(
            Panel(
                title=_("Reports awaiting my evaluation"),
                count=total,
                url=reverse("intelligence:evaluation_queue"),
                tone="warning" if total else "success",
                note=_("Submitted by others; you cannot evaluate your own."),
                order=10,
                chart=chart if total else None,
            )
        )
    elif user.has_perm("intelligence.add_report"):
        total, chart = _submissions_chart(user)
        panels.append(
            Panel(
                title=_("My submissions"),
                count=total,
                url=reverse("intelligence:report_list") + "?mine=1",
                note=_("Reports you wrote, by where they are in evaluation."),
                order=10,
                chart=chart if total else None,
            )
        )
    if user.has_perm("intelligence.review_report"):
        total, chart = _reviews_chart(user, timezone.localdate())
        panels.append(
            Panel(
                title=_("Reviews due or overdue"),
                count=total,
                url=reverse("intelligence:review_queue"),
                tone="danger" if total else "success",
                note=_("Retention reviews falling due within %(days)s days.")
                % {"days": REVIEW_HORIZON_DAYS},
                order=20,
                chart=chart if total else None,
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
