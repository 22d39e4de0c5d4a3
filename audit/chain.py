"""The hash chain over audit events: canonical content, hashing, appending and verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends.
CHAIN_LOCK_KEY = 0x1A0D17
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "compartment",
    "justification",
    "recipient",
    "details",
    "request_id",
    "ip",
    "user_agent",
    "via",
    "outcome",
)
# The purpose an event was done for (an operation, a requirement, a tasking): hashed when the
# event names one, so events written before purposes existed keep their hashes.
PURPOSE_FIELDS = ("purpose_type", "purpose_id")


def _normalise(name: str, value):
    if name == "occurred_at":
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "details" and isinstance(value, str):
        return json.loads(value)
    if value is None:
        return ""
    if name == "actor_id":
        return str(value)
    return value


def canonical(values: dict) -> bytes:
    """Stable bytes for an event's content, independent of backend and key order."""
    content = {name: _normalise(name, values.get(name)) for name in HASHED_FIELDS}
    if values.get("purpose_type"):
        content["purpose_type"] = values["purpose_type"]
        purpose_id = values.get("purpose_id")
        content["purpose_id"] = "" if purpose_id is None else str(purpose_id)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def compute_hash(values: dict, prev_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(values))
    return digest.hexdigest()


def lock_chain() -> None:
    """Serialise appenders until the current transaction ends.

    On PostgreSQL an advisory transaction lock; SQLite already serialises writers because
    transactions begin IMMEDIATE.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def chain_head() -> str:
    from audit.models import AuditAnchor, AuditEvent

    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    if last:
        return last
    anchor = AuditAnchor.objects.order_by("-last_event_id").values_list("last_hash", flat=True)
    return anchor.first() or GENESIS_HASH


def append_event(event) -> None:
    """Link ``event`` (an unsaved ``AuditEvent``) to the head of the chain and store it: in the
    caller's transaction when there is one (inside a savepoint, so a failure leaves it usable),
    otherwise in a transaction of its own.

    On PostgreSQL this is one message to the server: the chain lock, then an ``INSERT`` that
    reads the head (the last event's hash, else the latest anchor's, else the genesis hash) and
    hashes it with the event's canonical bytes (``sha256`` of exactly what
    :func:`compute_hash` hashes). The ``INSERT`` runs after the lock is held, with a snapshot of
    its own (READ COMMITTED), so it sees every event committed before it. Outside a transaction
    the two statements form one implicit transaction: the lock is held until it commits.
    """
    from django.db import transaction

    if connection.vendor != "postgresql":
        with transaction.atomic():
            lock_chain()
            event.prev_hash = chain_head()
            event.hash = compute_hash(
                {**event.__dict__, "actor_id": event.actor_id}, event.prev_hash
            )
            event.save(force_insert=True)
        return
    if connection.in_atomic_block:
        with transaction.atomic():
            _append_postgresql(event)
    else:
        _append_postgresql(event)


_APPEND_SQL: dict[str, tuple[str, list]] = {}


def _append_statement(model) -> tuple[str, list]:
    """The lock and the ``INSERT`` (built once from the model), and the fields it binds."""
    cached = _APPEND_SQL.get(model._meta.label)
    if cached is not None:
        return cached
    from audit.models import AuditAnchor

    quote = connection.ops.quote_name
    fields = [
        f for f in model._meta.concrete_fields if f.attname not in ("id", "prev_hash", "hash")
    ]
    columns = ", ".join(quote(f.column) for f in fields)
    head = (
        f"coalesce((SELECT {quote('hash')} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"ORDER BY {quote('id')} DESC LIMIT 1), "
        f"(SELECT {quote('last_hash')} FROM {quote(AuditAnchor._meta.db_table)} "
        f"ORDER BY {quote('last_event_id')} DESC LIMIT 1), %s)"
    )
    sql = (
        "SELECT pg_advisory_xact_lock(%s);\n"  # noqa: S608 - names from the model, values bound
        f"WITH head AS (SELECT {head} AS prev) "
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}, "
        f"{quote('prev_hash')}, {quote('hash')}) VALUES ({', '.join(['%s'] * len(fields))}, "
        "(SELECT prev FROM head), encode(sha256(convert_to((SELECT prev FROM head) || E'\\n', "
        "'UTF8') || %s::bytea), 'hex')) "
        f"RETURNING {quote('id')}, {quote('prev_hash')}, {quote('hash')}"
    )
    _APPEND_SQL[model._meta.label] = (sql, fields)
    return sql, fields


def _append_postgresql(event) -> None:
    sql, fields = _append_statement(type(event))
    content = canonical({**event.__dict__, "actor_id": event.actor_id})
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [CHAIN_LOCK_KEY, GENESIS_HASH, *values, content])
        raw = cursor.cursor
        raw.nextset()  # past the lock's result, to the INSERT's RETURNING
        event.pk, event.prev_hash, event.hash = raw.fetchone()
    event._state.adding = False
    event._state.db = connection.alias


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    events_checked: int
    first_bad_event_id: int | None
    message: str
    # The head the walk verified up to (the anchor's, or the genesis hash with id 0, when no
    # event follows it): what a checkpoint records. None when the walk failed.
    last_event_id: int | None = None
    last_hash: str | None = None


VERIFY_BATCH = 5000  # rows per keyset batch: bounded memory at tens of millions of events


def broken_link(event_id: int) -> str:
    return (
        f"event {event_id} does not link to the event before it (an event was removed or inserted)"
    )


def altered(event_id: int) -> str:
    return f"event {event_id} was altered: its content does not match its hash"


def event_problem(values: dict, expected_prev: str) -> str | None:
    """What is wrong with one event (a row of ``VERIFIED_COLUMNS``) given the hash before it."""
    if values["prev_hash"] != expected_prev:
        return broken_link(values["id"])
    if compute_hash(values, values["prev_hash"]) != values["hash"]:
        return altered(values["id"])
    return None


VERIFIED_COLUMNS = ("id", "prev_hash", "hash", *HASHED_FIELDS, *PURPOSE_FIELDS)


def verify_in_python(after_id: int, expected_prev: str, progress=None) -> VerificationResult:
    from audit.models import AuditEvent

    checked = 0
    total = AuditEvent.objects.filter(id__gt=after_id).count() if progress else 0
    while True:
        rows = list(
            AuditEvent.objects.filter(id__gt=after_id)
            .order_by("id")
            .values_list(*VERIFIED_COLUMNS)[:VERIFY_BATCH]
        )
        if not rows:
            break
        for row in rows:
            values = dict(zip(VERIFIED_COLUMNS, row, strict=True))
            problem = event_problem(values, expected_prev)
            if problem:
                return VerificationResult(False, checked, values["id"], problem)
            expected_prev = values["hash"]
            checked += 1
        after_id = rows[-1][0]
        if progress and total:
            progress(min(99, int(checked * 100 / total)))
    return intact(checked, after_id, expected_prev)


def intact(checked: int, last_event_id: int, last_hash: str) -> VerificationResult:
    return VerificationResult(
        True, checked, None, f"chain intact: {checked} events verified", last_event_id, last_hash
    )
