"""Reading the audit trail: filtered event lists for the console and the API."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.models import AuditEvent

FILTER_FIELDS = ("actor", "action", "object_type", "object_id", "compartment", "since", "until")


class FilterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _moment(field: str, value: str, end_of_day: bool) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise FilterError(field, "Use a date (YYYY-MM-DD) or a date and time (ISO 8601).")
        parsed = datetime.combine(day, time.max if end_of_day else time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def filter_events(params) -> QuerySet[AuditEvent]:
    """Events matching the oversight filters; raises FilterError naming a bad field."""
    events = AuditEvent.objects.all()
    actor = (params.get("actor") or "").strip()
    if actor:
        events = events.filter(actor_username=actor)
    action = (params.get("action") or "").strip()
    if action:
        from audit.choices import Action

        if action not in Action.values:
            raise FilterError("action", f"Unknown action {action!r}.")
        events = events.filter(action=action)
    for name in ("object_type", "object_id", "compartment"):
        value = (params.get(name) or "").strip()
        if value:
            events = events.filter(**{name: value})
    since = (params.get("since") or "").strip()
    if since:
        events = events.filter(occurred_at__gte=_moment("since", since, end_of_day=False))
    until = (params.get("until") or "").strip()
    if until:
        events = events.filter(occurred_at__lte=_moment("until", until, end_of_day=True))
    return events
