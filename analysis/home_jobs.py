"""Home-page panel for analysis jobs: my running and recent jobs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from analysis.models import AnalysisJob
from ilp_platform.core.home import Panel
from ilp_platform.core.jobs import JobStatus

RECENT = 5


def job_panels(user) -> list[Panel]:
    if not user.has_perm("analysis.add_analysisjob"):
        return []
    mine = AnalysisJob.objects.visible_to(user).filter(requested_by=user)
    recent = list(mine.order_by("-pk").only("pk", "kind", "title", "status", "progress")[:RECENT])
    if not recent:
        return []
    active = mine.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    items = []
    for job in recent:
        if job.status == JobStatus.RUNNING:
            state = _("running, %(p)s%%") % {"p": job.progress}
        else:
            state = job.get_status_display().lower()
        items.append((f"{job} ({state})", job.get_absolute_url()))
    return [
        Panel(
            title=_("My analysis jobs"),
            count=active,
            url=reverse("analysis:job_list") + "?mine=1",
            items=items,
            tone="primary" if active else "secondary",
            note=_("Running or queued; the latest five below."),
            order=40,
        )
    ]
