"""The hash chain verified on PostgreSQL: the database escapes the text, Python assembles and
hashes it.

:func:`audit.chain.canonical` defines an event's hashed bytes: the hashed fields as JSON with
sorted keys and no spaces (``ensure_ascii=False``). Escaping text as JSON is the costly part of
building them from rows, so the database does it, for the fifteen fields but ``details`` of an
event at once: ``to_json(ARRAY[...])`` renders them as one JSON array of strings (``to_json``
escapes exactly as Python's ``json.dumps`` with ``ensure_ascii=False``; times as ISO 8601 in UTC
with microseconds). One array costs the database a fifth of what fifteen ``to_json`` calls and
a ``concat`` cost. Python splits the array at its ``","`` separators (a quote inside a JSON
string is always escaped, so the separator never occurs inside a value) and puts the escaped
values into a template that holds the keys in code-point order. ``details`` arrives as JSON text
and is re-encoded by Python's own ``json``, as the application reads it, so what the database
cannot reproduce byte for byte (key order, number formats) never has to be. Batches are
fetched on other connections while this one is hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection

from audit.chain import (
    HASHED_FIELDS,
    PURPOSE_FIELDS,
    VerificationResult,
    altered,
    broken_link,
    intact,
)

# Event ids per batch: a few megabytes of text in memory per batch in flight.
VERIFY_SQL_BATCH = 20_000

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_encode_details = _ENCODER.encode
_decode = json.JSONDecoder().raw_decode


def _fast_encoder():
    """The C encoder ``json`` builds on every ``encode`` call, built once (``encode`` spends
    most of its time building it for a small value); ``None`` when this Python has none or it
    does not answer exactly as ``encode`` does."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encoder = make(
            None,
            _ENCODER.default,
            json.encoder.encode_basestring,
            None,
            _ENCODER.key_separator,
            _ENCODER.item_separator,
            True,
            False,
            True,
        )
        sample = {"b": [1, 2.5, None, True, 'é\n"\\'], "a": {"d": "", "c": -7}}
        if "".join(encoder(sample, 0)) != _ENCODER.encode(sample):
            return None
    except Exception:
        return None
    return encoder


_C_ENCODER = _fast_encoder()
# Re-encoded ``details`` by their database text: the same few shapes recur across a log.
_DETAILS_CACHE: dict[str, str] = {}
_DETAILS_CACHE_SIZE = 4096

# The hashed fields in canonical (code-point) order, ``details`` apart.
_NAMES = sorted(HASHED_FIELDS)
_DETAILS_AT = _NAMES.index("details")
VALUE_FIELDS = tuple(name for name in _NAMES if name != "details")


def _value_sql(name: str) -> str:
    """SQL for one field's value as text, as ``canonical`` renders it after ``_normalise``
    (before JSON escaping, which ``to_json`` of the whole array does)."""
    if name == "occurred_at":
        return "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    if name == "actor_id":
        return "coalesce(actor_id::text, '')"
    if name == "ip":
        # abbrev(inet) is the type's own output text, which is what the application reads back.
        return "coalesce(abbrev(ip), '')"
    return f"coalesce({name}, '')"


def values_sql() -> str:
    """SQL for the JSON array of an event's escaped values, in ``VALUE_FIELDS`` order, then the
    purpose's type and id (empty strings when the event names no purpose)."""
    purpose = ["coalesce(purpose_type, '')", "coalesce(purpose_id::text, '')"]
    return (
        "to_json(ARRAY["
        + ", ".join([*(_value_sql(n) for n in VALUE_FIELDS), *purpose])
        + "])::text"
    )


# ``prev_hash``, a line break, then the canonical JSON with each value's slot; ``details`` is
# JSON itself, every other value a string whose escaped text goes between the quotes.
TEMPLATE = (
    "%s\n{" + ",".join(f'"{n}":%s' if n == "details" else f'"{n}":"%s"' for n in _NAMES) + "}"
)


# With a purpose: its two values join the others in code-point order of all the names.
_PURPOSE_NAMES = sorted((*HASHED_FIELDS, *PURPOSE_FIELDS))
_PURPOSE_ORDER = [
    (*VALUE_FIELDS, *PURPOSE_FIELDS).index(n) for n in _PURPOSE_NAMES if n != "details"
]
_PURPOSE_DETAILS_AT = _PURPOSE_NAMES.index("details")
PURPOSE_TEMPLATE = (
    "%s\n{"
    + ",".join(f'"{n}":%s' if n == "details" else f'"{n}":"%s"' for n in _PURPOSE_NAMES)
    + "}"
)


def _assemble(prev_hash: str, parts: list[str], details: str) -> str:
    """The hashed text from the escaped values (``VALUE_FIELDS`` then the purpose's two)."""
    if parts[-2] == "":
        parts = parts[:-2]
        parts.insert(_DETAILS_AT, details)
        return TEMPLATE % (prev_hash, *parts)
    ordered = [parts[i] for i in _PURPOSE_ORDER]
    ordered.insert(_PURPOSE_DETAILS_AT, details)
    return PURPOSE_TEMPLATE % (prev_hash, *ordered)


def details_text(details: str) -> str:
    """``details`` (JSON text from the database) as ``canonical`` renders it: read as the
    application reads it, then encoded by ``json`` with sorted keys."""
    if details == "{}":
        return details
    cached = _DETAILS_CACHE.get(details)
    if cached is not None:
        return cached
    value, end = _decode(details)
    if end != len(details):
        value = json.loads(details)
    if value is None:
        value = ""
    text = _encode_details(value) if _C_ENCODER is None else "".join(_C_ENCODER(value, 0))
    if len(_DETAILS_CACHE) >= _DETAILS_CACHE_SIZE:
        _DETAILS_CACHE.clear()
    _DETAILS_CACHE[details] = text
    return text


def split_values(values: str) -> list[str]:
    """The escaped values of ``to_json(ARRAY[...])`` text: between ``["`` and ``"]``, separated
    by ``","``, which occurs nowhere else (every quote inside a JSON string is escaped)."""
    parts = values[2:-2].split('","')
    if len(parts) != len(VALUE_FIELDS) + 2:  # cannot happen for an array of strings; stay exact
        parts = [json.dumps(v, ensure_ascii=False)[1:-1] for v in json.loads(values)]
    return parts


def canonical_text(prev_hash: str, values: str, details: str) -> str:
    """What is hashed for one event, from a row of ``BATCH_QUERY``: ``prev_hash``, a line break
    and ``canonical``'s JSON."""
    return _assemble(prev_hash, split_values(values), details_text(details))


# Built from the constant field names above, never from input.
BATCH_QUERY = f"""
SELECT id, prev_hash, hash, {values_sql()}, details::text
  FROM audit_auditevent
 WHERE id > %s AND id <= %s
 ORDER BY id
"""  # noqa: S608
# Connections rendering batches ahead while this thread assembles and hashes: two keep a
# batch always ready (this thread's share of the work is now the larger one).
FETCH_LANES = 2


def _fetch(low: int, high: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(BATCH_QUERY, [low, high])
        return cursor.fetchall()


class _InlineFetcher:
    """Fetches on the caller's connection: inside a transaction only it sees the rows."""

    def submit(self, low: int, high: int) -> Future:
        future: Future = Future()
        future.set_result(_fetch(low, high))
        return future

    def close(self) -> None:
        pass


class _PrefetchingFetcher:
    """Fetches batches on worker threads, each with its own connection, in turn."""

    def __init__(self, lanes: int):
        self.pools = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-verify")
            for _ in range(lanes)
        ]
        self.turn = 0

    def submit(self, low: int, high: int) -> Future:
        pool = self.pools[self.turn % len(self.pools)]
        self.turn += 1
        return pool.submit(_fetch, low, high)

    def close(self) -> None:
        for pool in self.pools:
            # Resolved in the worker thread: its own connection, not this thread's.
            pool.submit(lambda: connection.close()).result()
            pool.shutdown()


def verify_in_database(after_id: int, expected_prev: str, progress=None) -> VerificationResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM audit_auditevent WHERE id > %s", [after_id])
        total, last_id = cursor.fetchone()
    if not total:
        return intact(0, after_id, expected_prev)
    head_id = after_id
    # Id ranges rather than "the next N rows", so batches can be requested before the one
    # before them has arrived. Events appended meanwhile wait for the next verification.
    ranges = [
        (low, min(low + VERIFY_SQL_BATCH, last_id))
        for low in range(after_id, last_id, VERIFY_SQL_BATCH)
    ]
    inline = connection.in_atomic_block
    fetcher = _InlineFetcher() if inline else _PrefetchingFetcher(FETCH_LANES)
    checked = 0
    sha256 = hashlib.sha256
    template, fields, details_at = TEMPLATE, len(VALUE_FIELDS) + 2, _DETAILS_AT
    try:
        pending = deque(
            fetcher.submit(*bounds) for bounds in ranges[: 1 if inline else FETCH_LANES]
        )
        queued = len(pending)
        while pending:
            rows = pending.popleft().result()
            if queued < len(ranges):
                pending.append(fetcher.submit(*ranges[queued]))
                queued += 1
            for event_id, prev_hash, stored, values, details in rows:
                if prev_hash != expected_prev:
                    return VerificationResult(False, checked, event_id, broken_link(event_id))
                if details != "{}":
                    details = details_text(details)
                parts = values[2:-2].split('","')
                if len(parts) != fields:
                    parts = split_values(values)
                if parts[-2] == "":  # no purpose: the common case, assembled inline
                    del parts[-2:]
                    parts.insert(details_at, details)
                    text = template % (prev_hash, *parts)
                else:
                    text = _assemble(prev_hash, parts, details)
                if sha256(text.encode()).hexdigest() != stored:
                    return VerificationResult(False, checked, event_id, altered(event_id))
                expected_prev = stored
                checked += 1
            if rows:
                head_id = rows[-1][0]
            if progress and total:
                progress(min(99, int(checked * 100 / total)))
    finally:
        fetcher.close()
    return intact(checked, head_id, expected_prev)
