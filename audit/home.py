"""Home-page panels for oversight officers: integrity and anomalies."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ilp_platform.core.home import Panel


def oversight_panels(user) -> list[Panel]:
    if not user.has_perm("audit.view_integritycheck"):
        return []
    from audit.models import Anomaly, IntegrityCheck

    latest = IntegrityCheck.objects.order_by("-started_at").first()
    panels = [
        Panel(
            title=_("Audit chain"),
            url=reverse("audit:integrity"),
            note=(
                (_("Intact") if latest.ok else _("BROKEN: ") + latest.message)
                + f" · {latest.finished_at:%Y-%m-%d %H:%M} UTC"
                if latest
                else _("Not verified yet")
            ),
            tone="success" if latest and latest.ok else "danger",
            order=10,
        )
    ]
    if user.has_perm("audit.view_anomaly"):
        open_count = Anomaly.objects.filter(reviewed=False).count()
        panels.append(
            Panel(
                title=_("Anomalies to look at"),
                count=open_count,
                url=reverse("audit:anomaly_list"),
                tone="warning" if open_count else "success",
                order=11,
            )
        )
    return panels
