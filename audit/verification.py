"""Walking the whole hash chain: the entry point the command, the task and the console use."""

from __future__ import annotations

from django.db import connection

from audit.chain import GENESIS_HASH, VerificationResult, verify_in_python
from audit.chain_sql import verify_in_database
from audit.models import AuditAnchor


def verify_chain(progress=None) -> VerificationResult:
    """Walk every event in id order, recomputing each hash and checking each link.

    On PostgreSQL the database renders the canonical text and Python hashes it
    (:mod:`audit.chain_sql`); SQLite reads model rows (:func:`audit.chain.verify_in_python`).
    Both name the first bad event. The walk starts after the latest retention anchor.
    """
    anchor = AuditAnchor.objects.order_by("-last_event_id").first()
    start_prev = anchor.last_hash if anchor else GENESIS_HASH
    after_id = anchor.last_event_id if anchor else 0
    if connection.vendor == "postgresql":
        return verify_in_database(after_id, start_prev, progress)
    return verify_in_python(after_id, start_prev, progress)
