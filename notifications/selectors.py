"""Reads of watches and notifications.

A notification is shown, and counted, only while its recipient may see its record: the
record is read through ``visible_to(recipient)`` every time (never from anything stored on
the notification), and what the notification says is built from that record then.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from intelligence.filters import ReportFilter
from intelligence.models import Report
from intelligence.selectors import filter_matching
from notifications.choices import Kind
from notifications.models import Notification, Watch

# The records notifications name, by ``object_type``, with what a page loads beside them.
TARGETS: dict[str, tuple[str, ...]] = {
    "intelligence.reportentity": ("report", "entity"),
    "tasking.tasking": (),
    "analysis.product": (),
    "tasking.requirementanswer": ("requirement",),
    # What arrived in a unit's intake: the received report, the requirement or priority issued
    # down (``notifications.handlers._arrival``).
    "intelligence.report": (),
    "tasking.requirement": (),
    "tasking.priority": (),
    # Watched operations: the operation itself (closed, reopened) and what was gathered into
    # one (the kinds not listed above).
    "operations.operation": (),
    "intelligence.entity": (),
    "analysis.analysisjob": (),
}
OPERATION = "operations.operation"


def _model(object_type: str) -> Any:
    return apps.get_model(object_type)


def _visible_records(user: Any) -> Q:
    """Notifications whose record ``user`` may see: one condition per record type, each an
    ``EXISTS`` through that type's ``visible_to`` tied to the notification's record. Tied, the
    database looks each record up by its key; an ``IN`` over every visible record instead
    built the set of all of them (a million reports: two seconds for the bell on every page)."""
    return reduce(
        or_,
        (
            Q(object_type=object_type)
            & Q(
                Exists(
                    _model(object_type)
                    .objects.visible_to(user)
                    .filter(pk=OuterRef("object_id"))
                    .values("pk")
                )
            )
            for object_type in TARGETS
        ),
    )


def _visible_operation(user: Any) -> Q:
    """Notifications naming no operation, or one ``user`` may see (an ``EXISTS`` tied to it):
    that a record was gathered into an operation is shown only with both."""
    return Q(gathered_into__isnull=True) | Q(
        Exists(
            _model(OPERATION)
            .objects.visible_to(user)
            .filter(pk=OuterRef("gathered_into"))
            .values("pk")
        )
    )


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The person's own notifications whose record (and operation) they may still see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user.pk)
        .filter(_visible_records(user))
        .filter(_visible_operation(user))
    )


def unread_count(user: Any) -> int:
    """The bell's figure: one query."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def watches_for(user: Any) -> QuerySet[Watch]:
    """The person's own watches of entities and operations they may see."""
    return Watch.objects.visible_to(user).select_related("entity", "operation")


def search_watches_matching(report: Any, watches: list[Watch]) -> list[Watch]:
    """The search watches among ``watches`` whose search finds ``report`` among the reports
    their person may see: the search page's own matching (``intelligence.selectors``: the
    full-text query on PostgreSQL, every word in the search document on SQLite) over its own
    filter set, pinned to this one report. One query per watch (two on PostgreSQL, where the
    search asks the planner first), each a look-up by the report's key."""
    found = []
    for watch in watches:
        visible = Report.objects.visible_to(watch.user).filter(pk=report.pk)
        filterset = ReportFilter(watch.filters or {}, queryset=visible)
        if not filterset.is_valid():  # a filter no longer valid finds nothing
            continue
        if filter_matching(filterset.qs, watch.query).exists():
            found.append(watch)
    return found


def watch_of(user: Any, entity: Any) -> Watch | None:
    if entity is None:
        return None
    return watches_for(user).filter(entity=entity.pk).first()


def operation_watch_of(user: Any, operation: Any) -> Watch | None:
    if operation is None:
        return None
    return watches_for(user).filter(operation=operation.pk).first()


@dataclass
class Shown:
    """A notification as shown: its text and link, built from the visible record."""

    notification: Notification
    title: str
    subject: str
    url: str

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def _describe(notification: Notification, record: Any, operation: Any = None) -> Shown:
    kind = notification.kind
    title = str(Kind(kind).label) if kind in Kind.values else kind
    if kind == Kind.ENTITY_MENTIONED:
        subject = _("%(entity)s in %(report)s") % {
            "entity": record.entity.name,
            "report": record.report.urn,
        }
        url = record.report.get_absolute_url()
    elif kind == Kind.REQUIREMENT_ANSWERED:
        subject = str(record.requirement)
        url = record.requirement.get_absolute_url()
    elif kind == Kind.OPERATION_GATHERED and operation is not None:
        subject = _("%(record)s in %(operation)s") % {
            "record": record,
            "operation": operation.reference,
        }
        url = operation.get_absolute_url()
    else:
        subject = str(record)
        url = record.get_absolute_url()
    return Shown(notification=notification, title=title, subject=subject, url=url)


def describe(notifications: list[Notification], user: Any) -> list[Shown]:
    """What each notification says, from its record (and the operation it was gathered into)
    as ``user`` may see it (one query per record type on the page); one whose record or
    operation is out of reach is left out."""
    wanted: dict[str, set[int]] = {}
    for n in notifications:
        wanted.setdefault(n.object_type, set()).add(n.object_id)
        if n.gathered_into is not None:
            wanted.setdefault(OPERATION, set()).add(n.gathered_into)
    records: dict[tuple[str, int], Any] = {}
    for object_type, ids in wanted.items():
        if object_type not in TARGETS:
            continue
        queryset = _model(object_type).objects.visible_to(user).filter(pk__in=ids)
        if TARGETS[object_type]:
            queryset = queryset.select_related(*TARGETS[object_type])
        for record in queryset:
            records[object_type, record.pk] = record
    shown = []
    for n in notifications:
        record = records.get((n.object_type, n.object_id))
        if record is None:
            continue
        if n.gathered_into is None:
            shown.append(_describe(n, record))
            continue
        operation = records.get((OPERATION, n.gathered_into))
        if operation is not None:
            shown.append(_describe(n, record, operation))
    return shown
