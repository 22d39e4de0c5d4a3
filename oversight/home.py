"""Home-page panels for oversight officers: integrity, activity in the log and anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.choices import Outcome
from ilp_platform.core.home import Chart, Panel

if TYPE_CHECKING:
    from ilp_platform.accounts.models import User

ACTIVITY_DAYS = 14
# The activity chart reads the last fortnight of a very large table: computed at most once
# per this many seconds and shared by every oversight officer (the figures are the same).
ACTIVITY_CACHE_SECONDS = 300
ANOMALY_SHORT_LABELS = {
    "volume": gettext_lazy("Volume"),
    "out_of_hours": gettext_lazy("Night"),
    "denied": gettext_lazy("Refused"),
    "no_reference": gettext_lazy("No ref."),
    "special_category": gettext_lazy("Special"),
    "closed_purpose": gettext_lazy("Closed"),
    "outside_purpose": gettext_lazy("Outside"),
    "free_text": gettext_lazy("Free text"),
}


def activity_per_day(today) -> list[tuple[str, int, int]]:
    """(ISO day, events, refused events) for each of the last ACTIVITY_DAYS days, oldest first.

    Event ids grow with time, so the scan starts from the newest event older than the period
    (found walking the primary key backwards) and reads only the fortnight, however long the
    trail is; the aggregation is one GROUP BY in the database.
    """
    key = f"home:audit-activity:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    from audit.models import AuditEvent

    first_day = today - timedelta(days=ACTIVITY_DAYS - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    before = (
        AuditEvent.objects.filter(occurred_at__lt=start)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    rows = (
        AuditEvent.objects.filter(id__gt=before or 0, occurred_at__gte=start)
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(n=Count("id"), refused=Count("id", filter=Q(outcome=Outcome.DENIED)))
        .order_by()
    )
    by_day = {str(row["day"]): (row["n"], row["refused"]) for row in rows}
    days = [first_day + timedelta(days=i) for i in range(ACTIVITY_DAYS)]
    result = [(d.isoformat(), *by_day.get(d.isoformat(), (0, 0))) for d in days]
    cache.set(key, result, ACTIVITY_CACHE_SECONDS)
    return result


def _activity_panel() -> Panel:
    days = activity_per_day(timezone.localdate())
    total = sum(n for _day, n, _refused in days)
    refused = sum(r for _day, _n, r in days)
    dates = [datetime.fromisoformat(day).date() for day, _n, _r in days]
    chart = Chart(
        summary=_("Audit events per day, last %(days)s days") % {"days": ACTIVITY_DAYS},
        labels=[f"{d:%d}" for d in dates],
        long_labels=[date_format(d, "D j M") for d in dates],
        values=[n for _day, n, _r in days],
        show_values=False,
    )
    return Panel(
        title=_("Activity in the log"),
        count=total,
        url=reverse("audit:event_list"),
        tone="secondary",
        note=_("Events over the last %(days)s days, %(refused)s of them refused accesses.")
        % {"days": ACTIVITY_DAYS, "refused": refused},
        order=12,
        chart=chart,
    )


def oversight_panels(user: User) -> list[Panel]:
    if not user.has_perm("audit.view_integritycheck"):
        return []
    from audit.integrity import latest_check
    from audit.models import Anomaly

    latest = latest_check()
    if latest is None:
        note = _("Not verified yet")
    elif not latest.verified:
        note = _("Latest result not verified: its signature or its log event does not match")
    elif latest.ok:
        note = _("Intact")
    else:
        note = _("BROKEN: ") + latest.message
    if latest is not None:
        finished = latest.finished_at.astimezone(UTC)
        note += f" · {date_format(finished, 'SHORT_DATETIME_FORMAT')} UTC"
    panels = [
        Panel(
            title=_("Audit chain"),
            url=reverse("audit:integrity"),
            note=note,
            tone="success" if latest and latest.intact else "danger",
            order=10,
        )
    ]
    if user.has_perm("audit.view_anomaly"):
        by_kind = dict(
            Anomaly.objects.filter(reviewed=False)
            .values_list("kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        open_count = sum(by_kind.values())
        kinds = list(Anomaly.Kind)
        panels.append(
            Panel(
                title=_("Anomalies to look at"),
                count=open_count,
                url=reverse("audit:anomaly_list"),
                tone="warning" if open_count else "success",
                note=_("Flagged by the scheduled check and not yet reviewed."),
                order=11,
                chart=Chart(
                    summary=_("Open anomalies by kind"),
                    labels=[str(ANOMALY_SHORT_LABELS.get(k.value, k.label)) for k in kinds],
                    long_labels=[str(k.label) for k in kinds],
                    values=[by_kind.get(k.value, 0) for k in kinds],
                    tones=["warning"] * len(kinds),
                )
                if open_count
                else None,
            )
        )
    if user.has_perm("audit.view_auditevent"):
        panels.append(_activity_panel())
    return panels
