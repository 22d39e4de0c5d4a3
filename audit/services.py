"""Writing the audit trail. Every other app records through these functions.

Domain services call :func:`record` in the same transaction as their change and run inside
:func:`service_scope`, which tells the model-level safety net that the change is accounted for.
Consultations are recorded by the shared base views and viewsets.

Personal data stays out of what oversight reads:
- field values in events (:func:`snapshot`, :func:`diff`) are kept in clear only for ids,
  booleans, coded values, times and a per-model allow-list; every other value is replaced by
  :func:`value_digest` (``"hmac:"`` + HMAC-SHA256 keyed with ``settings.AUDIT_VALUE_KEY``),
  which proves a value later without revealing it. The rule and the allow-list are in
  :mod:`audit.personal_data`;
- an event's ``object_repr`` is a neutral label (:func:`neutral_label`: a report's URN, a
  reference, a slug or username, else "<type> <id>"), never ``str()`` of the record, which for
  an entity is its name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import hmac
import json
import logging
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext

from audit import personal_data
from audit.chain import append_event
from audit.choices import Action, Outcome
from audit.models import AuditEvent
from ilp_platform.core import context

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader

logger = logging.getLogger(__name__)

_in_service: ContextVar[bool] = ContextVar("audit_in_service", default=False)
_suspended: ContextVar[bool] = ContextVar("audit_suspended", default=False)
# Refusals recorded inside an action (``audit.actions``): if the action then fails, its
# transaction rolls back and they are written again after it, so a refusal is never lost.
_refusals: ContextVar[list | None] = ContextVar("audit_refusals", default=None)


class AuditUnavailable(Exception):
    """The audit event could not be stored, so the action must not go ahead."""


@contextlib.contextmanager
def keeping_refusals():
    """Inside: refusals are noted; when the block fails (its transaction rolled back), they
    are recorded again after it. Blocks nest: an inner block's refusals that it records again
    are noted by the outer one."""
    pending: list = []
    token = _refusals.set(pending)
    try:
        yield
    except BaseException:
        _refusals.reset(token)
        for kwargs in pending:
            record(**kwargs)
        raise
    else:
        _refusals.reset(token)


@contextlib.contextmanager
def service_scope():
    """Mark a block as a service that writes its own events; the safety net stands aside."""
    token = _in_service.set(True)
    try:
        yield
    finally:
        _in_service.reset(token)


def in_service() -> bool:
    return _in_service.get()


@contextlib.contextmanager
def suspended():
    """Switch recording off (benchmarks' reference runs only; never in request handling)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def object_label(obj: Model) -> str:
    return obj._meta.label_lower


# Attributes that name a record without carrying personal data, in order of preference.
_NEUTRAL_NAMES = ("urn", "reference", "slug", "username", "code")


def neutral_label(obj: Model) -> str:
    """How an event names its record: a reference, never the record's name or text."""
    for attribute in _NEUTRAL_NAMES:
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return f"{obj._meta.verbose_name} {obj.pk}"


def compartment_of(obj) -> str:
    compartment = getattr(obj, "compartment", None)
    return getattr(compartment, "slug", "") or ""


def jsonable(value):
    """Make a value storable in the details JSON (dates, decimals, UUIDs, model instances)."""
    kind = type(value)
    # The plain containers and texts most details are made of, without a call per item (an
    # event naming 10,000 received reports holds some 180,000 values).
    if kind is dict:
        return {
            k if type(k) is str and "\x00" not in k else jsonable(str(k)): (
                v if type(v) is str and "\x00" not in v else jsonable(v)
            )
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [v if type(v) is str and "\x00" not in v else jsonable(v) for v in value]
    if isinstance(value, str):
        # PostgreSQL refuses NUL in text and JSON: keep it visible, escaped, rather than lose
        # the event (a NUL in a query string would otherwise make the request fail).
        return value.replace("\x00", "\\x00") if "\x00" in value else value
    if isinstance(value, dict):
        return {jsonable(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        # Floats are stored as text so the canonical form survives every JSON backend.
        return repr(value)
    if isinstance(value, Model):
        return value.pk
    return value


def value_text(value) -> str:
    """The text a value is digested as: strings as they are, anything else as canonical JSON."""
    value = jsonable(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def value_digest(value, key: str | None = None) -> str:
    """What an event stores instead of a personal value: ``hmac:`` + HMAC-SHA256 in hex.

    Reproducible by whoever holds ``settings.AUDIT_VALUE_KEY``: compute the digest of the value
    in question and compare it with the one in the event.
    """
    secret = (key or settings.AUDIT_VALUE_KEY).encode("utf-8")
    text = value_text(value).encode("utf-8")
    return "hmac:" + hmac.new(secret, text, hashlib.sha256).hexdigest()


def _protected(value):
    return value if value in personal_data.EMPTY_VALUES else value_digest(value)


def _protect_service_details(object_type: str, details: dict | None) -> dict | None:
    """Digest the personal values services write under known keys (see personal_data)."""
    keys = personal_data.SERVICE_PERSONAL_KEYS.get(object_type)
    if not details or not keys:
        return details
    protected = dict(details)
    for key, shape in keys.items():
        if key not in protected:
            continue
        value = protected[key]
        if shape == "kind:value list" and isinstance(value, list | tuple):
            items = []
            for item in value:
                kind, sep, text = str(item).partition(":")
                items.append(f"{kind}:{_protected(text)}" if sep else _protected(item))
            protected[key] = items
        else:
            protected[key] = _protected(value)
    return protected


def record(
    action: str,
    *,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    compartment: str | None = None,
    details: dict | None = None,
    outcome: str = Outcome.SUCCESS,
    recipient: str = "",
    actor: Reader = None,
    justification: str | None = None,
) -> AuditEvent | None:
    """Append one event to the chain, in the caller's transaction if there is one.

    Raises :class:`AuditUnavailable` when the event cannot be stored; inside a transaction the
    caller's change then rolls back with it.
    """
    if _suspended.get():
        return None
    pending = _refusals.get()
    if pending is not None and outcome == Outcome.DENIED:
        pending.append(
            {
                "action": action,
                "obj": obj,
                "object_type": object_type,
                "object_id": object_id,
                "object_repr": object_repr,
                "compartment": compartment,
                "details": details,
                "outcome": outcome,
                "recipient": recipient,
                "actor": actor,
                "justification": justification,
            }
        )
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or object_label(obj)
        object_id = object_id or obj.pk
        object_repr = object_repr or neutral_label(obj)
        if compartment is None:
            compartment = compartment_of(obj)
        if getattr(obj, "has_special_category", False):
            # Oversight watches access to special-category data (LED Art. 10).
            details = {**(details or {}), "special_category": True}
    details = _protect_service_details(object_type, details)
    purpose_type, purpose_id = (
        context.split_purpose(ctx.purpose) if justification is None else ("", None)
    )
    event = AuditEvent(
        occurred_at=timezone.now(),
        # A signed-in person by now: the project's user model, which audit does not import.
        actor=cast(Any, actor),
        actor_username=getattr(actor, "username", "") if actor else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=(object_repr or "")[:300],
        compartment=compartment or "",
        justification=ctx.justification if justification is None else justification,
        purpose_type=purpose_type,
        purpose_id=purpose_id,
        recipient=recipient,
        details=jsonable(details or {}),
        request_id=ctx.request_id,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        via=ctx.via,
        outcome=outcome,
    )
    try:
        append_event(event)
    except DatabaseError as exc:
        logger.error("audit event could not be stored: %s", exc)
        raise AuditUnavailable(str(exc)) from exc
    return event


def record_denied(*, object_type: str = "", object_id: str | int = "", reason: str = "") -> None:
    """Record a refused access; never lets a logging failure hide the refusal itself."""
    try:
        record(
            Action.DENIED,
            object_type=object_type,
            object_id=object_id,
            outcome=Outcome.DENIED,
            details={"reason": reason} if reason else None,
        )
    except AuditUnavailable:
        logger.error("denied access to %s %s could not be logged", object_type, object_id)


def consultation(action: str, *, obj=None, ids=None, query=None, count=None, **extra) -> None:
    """Record a read: a detail view, a list page (the ids shown) or a search (query, count)."""
    details = dict(extra.pop("details", {}) or {})
    if ids is not None:
        details["ids"] = [str(i) for i in ids]
    if query is not None:
        details["query"] = query
    if count is not None:
        details["count"] = count
    record(action, obj=obj, details=details, **extra)


def snapshot(obj: Model, restricted: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> dict:
    """Field values of a row as an event may hold them: personal values as digests.

    Every field is named; its value is in clear only when :mod:`audit.personal_data` allows
    it, otherwise :func:`value_digest` stands for it (so a change is still detectable and a
    value provable). ``restricted`` fields are always digested.
    """
    label = obj._meta.label_lower
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in ignore:
            continue
        value = jsonable(getattr(obj, field.attname))
        if field.name in restricted:
            values[field.name] = value_digest("" if value is None else value)
        elif personal_data.clear_in_log(label, field):
            values[field.name] = value
        else:
            values[field.name] = _protected(value)
    return values


def diff(before: dict, after: dict, restricted: tuple[str, ...] = ()) -> dict:
    """Changed fields as {name: [old, new]}; restricted text appears by name only.

    The values are :func:`snapshot`'s: digests wherever the field's value is personal data.
    """
    changes = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) == after.get(name):
            continue
        changes[name] = "changed" if name in restricted else [before.get(name), after.get(name)]
    return changes


# --- Disclosure ---------------------------------------------------------------------------------


class DisclosureRefused(Exception):
    """The handling code or a missing acknowledgement forbids this dissemination."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def record_disclosure(
    obj,
    *,
    recipient: str,
    legal_basis: str,
    conditions_acknowledged: bool = False,
    provider_permission: str = "",
    note: str = "",
    actor: Reader = None,
) -> AuditEvent | None:
    """Record that ``obj`` was disseminated outside the unit, after the handling-code checks.

    ``obj`` provides ``disclosure_rules()`` (see ``audit.disclosure``). Refuses with the reason
    per field; nothing is recorded as disclosed when refused (the refusal is logged as denied).
    """
    rules = obj.disclosure_rules()
    errors: dict[str, str] = {}
    if not recipient.strip():
        errors["recipient"] = gettext("Name the recipient (person and organisation).")
    if not legal_basis.strip():
        errors["legal_basis"] = gettext("State the legal basis for the disclosure.")
    if rules.blocked_reason:
        errors["handling_code"] = rules.blocked_reason
    if rules.conditions and not conditions_acknowledged:
        errors["conditions_acknowledged"] = gettext(
            "Acknowledge the handling conditions before disclosing: %(conditions)s"
        ) % {"conditions": rules.conditions}
    if rules.needs_provider_permission and not provider_permission.strip():
        errors["provider_permission"] = gettext(
            "Handling code %(code)s requires the provider's permission: record its reference."
        ) % {"code": rules.handling_code}
    if errors:
        record(
            Action.DISCLOSE,
            obj=obj,
            recipient=recipient[:300],
            outcome=Outcome.DENIED,
            details={"refused": errors, "legal_basis": legal_basis},
            actor=actor,
        )
        raise DisclosureRefused(errors)
    return record(
        Action.DISCLOSE,
        obj=obj,
        recipient=recipient[:300],
        actor=actor,
        details={
            "legal_basis": legal_basis,
            "handling_code": rules.handling_code,
            "conditions": rules.conditions,
            "conditions_acknowledged": conditions_acknowledged,
            "provider_permission": provider_permission,
            "note": note,
        },
    )
