"""Data-subject requests as a purpose kind: every event written for a request carries it
("subject_request:12"), so oversight can ask for everything done under one request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ilp_platform.web import purposes
from subjectrequests.choices import RequestStatus
from subjectrequests.models import SubjectRequest

OFFERED = 30


def _offered(user) -> list[tuple[int, str]]:
    rows = (
        SubjectRequest.objects.visible_to(user)
        .open()
        .order_by("deadline", "id")
        .values_list("pk", "reference")[:OFFERED]
    )
    return [(pk, str(_("Data-subject request %(ref)s") % {"ref": ref})) for pk, ref in rows]


def _named(user, pk: int) -> str | None:
    ref = SubjectRequest.objects.visible_to(user).filter(pk=pk).values_list("reference", flat=True)
    found = ref.first()
    return None if found is None else str(_("Data-subject request %(ref)s") % {"ref": found})


def register() -> None:
    purposes.register(
        purposes.PurposeKind(
            key="subject_request",
            label=_("Data-subject requests"),
            offered=_offered,
            named=_named,
            is_open=lambda pk: SubjectRequest.objects.filter(
                pk=pk, status=RequestStatus.OPEN
            ).exists(),
        )
    )
