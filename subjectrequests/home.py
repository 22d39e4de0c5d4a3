"""The oversight home page's card for data-subject requests: those past their deadline, and
the requests holding restrictions due for review. Registered with the home page in
``SubjectRequestsConfig.ready`` (the oversight app imports no domain app)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ilp_platform.core.home import Panel
from subjectrequests.choices import Decision
from subjectrequests.models import REVIEW_NOTICE_DAYS, SubjectHit, SubjectRequest, handles_requests

SHOWN = 5


def subject_request_panels(user) -> list[Panel]:
    if not handles_requests(user):
        return []
    today = timezone.localdate()
    overdue = SubjectRequest.objects.overdue(today)
    first = list(
        overdue.order_by("deadline", "id").values_list("pk", "reference", "deadline")[:SHOWN]
    )
    count = overdue.count()
    horizon = today + timedelta(days=REVIEW_NOTICE_DAYS)
    reviews = (
        SubjectHit.objects.filter(decision=Decision.RESTRICT, review_on__lte=horizon)
        .values("request")
        .distinct()
        .count()
    )
    items: list[tuple[str, str | None]] = [
        (
            _("%(ref)s: due %(date)s")
            % {"ref": ref, "date": date_format(deadline, "SHORT_DATE_FORMAT")},
            reverse("subjectrequests:detail", args=[pk]),
        )
        for pk, ref, deadline in first
    ]
    if reviews:
        items.append(
            (
                _("Requests with restrictions due for review: %(n)s") % {"n": reviews},
                reverse("subjectrequests:list") + "?status=all&reviews=1",
            )
        )
    return [
        Panel(
            title=_("Overdue data-subject requests"),
            count=count,
            url=reverse("subjectrequests:list"),
            tone="danger" if count else "success",
            note=_("Open requests past their deadline."),
            items=items,
            order=13,
        )
    ]
