"""The hash chain verified on PostgreSQL: the database renders the canonical text, Python hashes.

:func:`audit.chain.canonical` defines an event's hashed bytes. Building them from model rows
costs far more than hashing them, so on PostgreSQL the query renders every field but ``details``
as canonical JSON text itself (``to_json`` escapes strings exactly as Python's ``json.dumps``
with ``ensure_ascii=False``; keys in code-point order; times as ISO 8601 in UTC with
microseconds). ``details`` arrives as JSON text and is re-encoded by Python's own ``json``, as
the application reads it, so what the database cannot reproduce byte for byte (key order,
number formats) never has to be. The next batch is fetched on a second connection while this
one is hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection

from audit.chain import HASHED_FIELDS, VerificationResult, altered, broken_link, intact

# Event ids per batch: a few megabytes of text in memory per batch in flight.
VERIFY_SQL_BATCH = 20_000

_encode_details = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _field_sql(name: str) -> str:
    """SQL for one field's JSON value, as ``canonical`` renders it after ``_normalise``."""
    if name == "occurred_at":
        return (
            "'\"' || to_char(occurred_at AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') || \'"\''
        )
    if name == "actor_id":
        return "'\"' || coalesce(actor_id::text, '') || '\"'"
    if name == "ip":
        # abbrev(inet) is the type's own output text, which is what the application reads back.
        return "to_json(coalesce(abbrev(ip), ''))::text"
    return f"to_json(coalesce({name}, ''))::text"


def _fields_sql(names: list[str], opening: str, closing: str) -> str:
    """``concat`` of ``"name":value`` pairs, after ``opening`` and before ``closing``."""
    parts = []
    for position, name in enumerate(names):
        separator = opening if position == 0 else ","
        parts += [f"""'{separator}"{name}":'""", _field_sql(name)]
    return "concat(" + ", ".join([*parts, f"'{closing}'"]) + ")"


def canonical_parts_sql() -> tuple[str, str]:
    """SQL for the canonical text before ``details``'s value and after it."""
    names = sorted(HASHED_FIELDS)
    cut = names.index("details")
    assert 0 < cut < len(names) - 1, "details sits between other fields"
    return (
        _fields_sql(names[:cut], "{", ',"details":'),
        _fields_sql(names[cut + 1 :], ",", "}"),
    )


_BEFORE, _AFTER = canonical_parts_sql()
# Built from the constant field names above, never from input.
BATCH_QUERY = f"""
SELECT id, prev_hash, hash, {_BEFORE}, details::text, {_AFTER}
  FROM audit_auditevent
 WHERE id > %s AND id <= %s
 ORDER BY id
"""  # noqa: S608
# Connections rendering batches ahead while this thread hashes: the database's share of the
# work is the larger one, so two of them keep both cores of a small server busy.
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
            for event_id, prev_hash, stored, before, details, after in rows:
                if prev_hash != expected_prev:
                    return VerificationResult(False, checked, event_id, broken_link(event_id))
                if details != "{}":
                    details = _encode_details(json.loads(details))
                content = f"{prev_hash}\n{before}{details}{after}".encode()
                if sha256(content).hexdigest() != stored:
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
