"""Finding events the way an oversight officer asks: by a record's reference (a report's URN, a
product's number, an incident's reference, a meeting's title), by a person's name, by a kind
of record named in words.

The domain apps are reached through the app registry (the console reads the log and imports no
domain app). A reference is turned into the record's type and id only, which every event about
the record already carries; nothing else of the record is read or shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.selectors import FilterError, filter_events
from ilp_platform.accounts.models import User
from ilp_platform.web import purposes

# Apps whose records the log names; their models are offered by name in the type filter.
DOMAIN_APPS = (
    "intelligence",
    "analysis",
    "tasking",
    "operations",
    "notifications",
    "accounts",
    "filestore",
    "audit",
)
# Most people a name search may stand for (a narrower name finds fewer).
MAX_PEOPLE = 50


@dataclass(frozen=True)
class Referenced:
    """A kind of record found by a reference typed whole: (app, model, field, how to read)."""

    app_label: str
    model_name: str
    field: str
    upper: bool = True  # typed whole (an indexed look-up), else matched in any case


REFERENCED = (
    Referenced("intelligence", "report", "urn"),
    Referenced("analysis", "product", "reference"),
    Referenced("intelligence", "incident", "reference"),
    Referenced("tasking", "meeting", "title", upper=False),
)
_MEETING_NUMBER = re.compile(r"^(?:meeting\s*)?#?(\d{1,9})$", re.IGNORECASE)


def object_type_choices() -> list[tuple[str, str]]:
    """``("intelligence.report", "Intelligence report")``, ... sorted by their words."""
    choices = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in DOMAIN_APPS:
            continue
        choices.append((meta.label_lower, capfirst(str(meta.verbose_name))))
    labels = [label for _value, label in choices]
    # Two models of the same name read with their app's name beside them.
    choices = [
        (value, f"{label} ({apps.get_app_config(value.split('.')[0]).verbose_name})")
        if labels.count(label) > 1
        else (value, label)
        for value, label in choices
    ]
    return sorted(choices, key=lambda choice: choice[1].lower())


def type_label(object_type: str) -> str:
    """The words for a logged object type ("Intelligence report"), or the type as logged."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return capfirst(str(model._meta.verbose_name))


def _records(reference: str) -> list[tuple[str, str]]:
    """(object type, object id) of every record the reference names."""
    found: list[tuple[str, str]] = []
    for kind in REFERENCED:
        try:
            model = apps.get_model(kind.app_label, kind.model_name)
        except LookupError:
            continue
        condition: dict[str, object]
        if kind.upper:  # as typed, or in capitals as references are written
            condition = {f"{kind.field}__in": sorted({reference, reference.upper()})}
        else:
            condition = {f"{kind.field}__iexact": reference}
        # The record's id only, whoever may read the record (see the module's docstring).
        ids = model._base_manager.filter(**condition).values_list("pk", flat=True)[:100]
        found += [(model._meta.label_lower, str(pk)) for pk in ids]
    number = _MEETING_NUMBER.match(reference)
    if number and reference.lower().startswith(("meeting", "#")):
        found.append(("tasking.meeting", number.group(1)))
    return found


def about_reference(events: QuerySet[AuditEvent], reference: str) -> QuerySet[AuditEvent]:
    reference = reference.strip()
    records = _records(reference)
    if not records:
        raise FilterError(
            "reference",
            _(
                "No report URN, product number, incident reference or meeting title is "
                "%(reference)s."
            )
            % {"reference": reference},
        )
    condition = Q()
    for object_type, object_id in records:
        condition |= Q(object_type=object_type, object_id=object_id)
    return events.filter(condition)


def people_named(text: str) -> list[User]:
    """People whose username is ``text``, or else whose names contain every word of it."""
    text = text.strip()
    exact = list(User.objects.filter(username__iexact=text))
    if exact:
        return exact
    people = User.objects.all()
    for word in text.split():
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return list(people.order_by("username")[:MAX_PEOPLE])


def by_person(events: QuerySet[AuditEvent], text: str) -> QuerySet[AuditEvent]:
    people = people_named(text)
    if not people:
        raise FilterError("actor", _("Nobody's name or username is %(text)s.") % {"text": text})
    # The username as logged: a person's later deletion or renaming does not hide their events.
    return events.filter(actor_username__in=[p.username for p in people])


_PURPOSE = re.compile(r"^(operation|requirement|tasking):(\d{1,18})$")


def purposes_named(text: str) -> list[tuple[str, int]]:
    """(purpose type, id) of what ``text`` names: "operation:12", "requirement:5",
    "tasking:7", or an operation's reference (any case). The id only, as the log holds it."""
    text = text.strip()
    typed = _PURPOSE.match(text.lower())
    if typed:
        return [(typed.group(1), int(typed.group(2)))]
    try:
        model = apps.get_model("operations", "operation")
    except LookupError:
        return []
    ids = model._base_manager.filter(reference__iexact=text).values_list("pk", flat=True)[:10]
    return [("operation", pk) for pk in ids]


def for_purpose(events: QuerySet[AuditEvent], text: str) -> QuerySet[AuditEvent]:
    """Events done for a purpose (everything consulted for an operation, say)."""
    named = purposes_named(text)
    if not named:
        raise FilterError(
            "purpose",
            _(
                "No operation has the reference %(text)s; or name a purpose as operation:12, "
                "requirement:5 or tasking:7."
            )
            % {"text": text},
        )
    condition = Q()
    for purpose_type, purpose_id in named:
        condition |= Q(purpose_type=purpose_type, purpose_id=purpose_id)
    return events.filter(condition)


def mark_closed_purposes(events: list[AuditEvent]) -> None:
    """Set ``purpose_closed`` on each event: whether the purpose it names is closed now (an
    operation closed, a requirement answered or cancelled, a tasking done); one look-up per
    distinct purpose."""
    named: set[tuple[str, int]] = {
        (e.purpose_type, e.purpose_id)
        for e in events
        if e.purpose_type and e.purpose_id is not None
    }
    closed = set()
    for purpose_type, purpose_id in named:
        kind = purposes.kind(purpose_type)
        if kind is not None and not kind.is_open(purpose_id):
            closed.add((purpose_type, purpose_id))
    for event in events:
        event.purpose_closed = (event.purpose_type, event.purpose_id) in closed  # type: ignore[attr-defined]


def find_events(params: dict) -> QuerySet[AuditEvent]:
    """The oversight filters: those of ``audit.selectors.filter_events``, with ``actor`` a
    name or username, ``reference`` a record's reference and ``purpose`` what the events were
    done for; raises FilterError naming the field."""
    rest = {k: v for k, v in params.items() if k not in ("actor", "reference", "purpose")}
    events = filter_events(rest)
    actor = (params.get("actor") or "").strip()
    if actor:
        events = by_person(events, actor)
    reference = (params.get("reference") or "").strip()
    if reference:
        events = about_reference(events, reference)
    purpose = (params.get("purpose") or "").strip()
    if purpose:
        events = for_purpose(events, purpose)
    return events
