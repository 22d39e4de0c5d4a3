"""Home-page panels: my taskings (overdue ones first and flagged), and meetings for managers."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.choices import Action
from ilp_platform.core.home import Panel
from tasking.choices import MeetingStatus
from tasking.models import ExtensionRequest, Meeting, Tasking

PANEL_ITEMS = 8


def tasking_panels(user) -> list[Panel]:
    panels: list[Panel] = []
    if user.has_perm("tasking.view_tasking"):
        today = timezone.localdate()
        mine = Tasking.objects.visible_to(user).owned_by(user).active()
        # One query when the person has few taskings (the usual case); counts only beyond.
        shown = list(mine.order_by("due_date", "id")[: PANEL_ITEMS + 1])
        if len(shown) > PANEL_ITEMS:
            shown = shown[:PANEL_ITEMS]
            count, overdue = mine.count(), mine.overdue(today).count()
        else:
            count, overdue = len(shown), sum(1 for t in shown if t.is_overdue(today))
        if count:
            items = []
            for tasking in shown:
                due = tasking.due_date.isoformat()
                if tasking.is_overdue(today):
                    label = _("OVERDUE (due %(due)s): %(title)s") % {"due": due, "title": tasking}
                else:
                    label = _("Due %(due)s: %(title)s") % {"due": due, "title": tasking}
                items.append((label, tasking.get_absolute_url()))
            # The titles shown are a consultation of tasking records.
            audit.consultation(
                Action.LIST,
                object_type="tasking.tasking",
                ids=[t.pk for t in shown],
                details={"where": "home page"},
            )
            panels.append(
                Panel(
                    title=_("My taskings"),
                    count=count,
                    url=reverse("tasking:my_taskings"),
                    items=items,
                    tone="danger" if overdue else "primary",
                    note=(
                        _("%(n)s overdue: report a result or ask for more time.") % {"n": overdue}
                        if overdue
                        else _("Assigned to you or your unit.")
                    ),
                    order=5,
                )
            )
    if user.has_perm("tasking.change_tasking"):
        # Requests for more time a manager may decide (not their own), oldest first.
        waiting = (
            ExtensionRequest.objects.visible_to(user)
            .pending()
            .exclude(requested_by=user.pk)
            .select_related("tasking")
            .order_by("requested_at", "id")
        )
        shown = list(waiting[: PANEL_ITEMS + 1])
        if shown:
            count = len(shown) if len(shown) <= PANEL_ITEMS else waiting.count()
            shown = shown[:PANEL_ITEMS]
            audit.consultation(
                Action.LIST,
                object_type="tasking.extensionrequest",
                ids=[e.pk for e in shown],
                details={"where": "home page"},
            )
            panels.append(
                Panel(
                    title=_("Requests for more time"),
                    count=count,
                    url=reverse("tasking:tasking_list"),
                    items=[
                        (
                            _("%(title)s: %(date)s asked for")
                            % {
                                "title": e.tasking,
                                "date": e.requested_due_date.isoformat(),
                            },
                            e.get_absolute_url(),
                        )
                        for e in shown
                    ],
                    tone="warning",
                    note=_("Grant or refuse each on the tasking's page."),
                    order=6,
                )
            )
    if user.has_perm("tasking.change_meeting"):
        upcoming = Meeting.objects.visible_to(user).exclude(status=MeetingStatus.CLOSED)
        count = upcoming.count()
        if count:
            panels.append(
                Panel(
                    title=_("Tasking meetings planned or open"),
                    count=count,
                    url=reverse("tasking:meeting_list"),
                    order=40,
                )
            )
    return panels
