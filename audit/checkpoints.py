"""Checkpoints of the chain head, kept where the database's owner cannot rewrite them.

The hash chain proves that the events in the table link to one another; it cannot prove that
none are missing at the end. The owner of the table may switch its triggers off (or use the
maintenance switch) and delete the newest events, or all of them, and what is left still
verifies. So every successful verification appends the head it verified to a file outside the
database (``settings.AUDIT_CHECKPOINT_FILE``, default ``<data dir>/audit-checkpoints.jsonl``)
and, when ``AUDIT_SYSLOG_ADDRESS`` is set, sends it to syslog too; the next verification fails
when the log no longer reaches the latest checkpoint.

The file is opened in append mode only and each line is one JSON object::

    {"anchor_event_id": 0, "anchor_hash": "", "event_count": 1050, "event_hash": "9f…",
     "event_id": 1050, "event_time": "2026-11-22T10:15:03.123456Z", "first_event_id": 1,
     "prev": "<SHA-256 of the line before>", "seq": 7, "time": "2026-11-22T10:15:04Z", "v": 1}

``prev`` chains the lines: altering or removing a line breaks the link of the line after it.
Appends are serialised with an exclusive ``flock`` on the file and fsynced. A checkpoint below
the latest anchor (events removed by ``purge_audit``) is satisfied by the anchor, provided the
checkpointed event is older than the anchor's cutoff and no anchor has disappeared.

What the file cannot show: the removal of its own newest lines (nothing follows them); the
syslog copy, kept on another machine, covers that. Events appended after the latest
checkpoint are protected by the chain only, until the next verification.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.chain import GENESIS_HASH, VerificationResult

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
GENESIS_LINE_HASH = "0" * 64
# RFC 5424: facility 13 is "log audit"; severities 6 (informational) and 3 (error).
SYSLOG_FACILITY = 13
APP_NAME = "ilp-audit"
# Structured-data id: the private enterprise number RFC 5612 reserves for documentation.
SD_ID = "ilpCheckpoint@32473"


@dataclass(frozen=True)
class Checkpoint:
    v: int
    seq: int
    time: str
    event_id: int
    event_hash: str
    event_time: str
    first_event_id: int
    event_count: int
    anchor_event_id: int
    anchor_hash: str
    prev: str

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    @property
    def when(self) -> str:
        """The checkpoint's time as messages name it."""
        return self.time.replace("T", " ").removesuffix("Z") + " UTC"


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


class BrokenCheckpoints(Exception):
    """The checkpoint file's own chain does not hold."""


def _read(handle) -> tuple[Checkpoint | None, str]:
    """The last checkpoint and its line hash, after checking every line's link to the one before.

    ``handle`` is the file opened for appending (and reading), positioned anywhere.
    """
    handle.seek(0)
    last: Checkpoint | None = None
    previous_hash = GENESIS_LINE_HASH
    number = 0
    for number, raw in enumerate(handle, start=1):  # noqa: B007 (number used after the loop)
        if not raw.endswith(b"\n"):
            raise BrokenCheckpoints(f"line {number} is incomplete")
        text = raw[:-1].decode("utf-8", errors="replace")
        try:
            entry = Checkpoint(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise BrokenCheckpoints(f"line {number} is not a checkpoint ({exc})") from None
        if entry.prev != previous_hash or entry.seq != number:
            raise BrokenCheckpoints(
                f"line {number} does not follow line {number - 1} "
                "(a line was altered, removed or inserted)"
            )
        if text != entry.line():
            raise BrokenCheckpoints(f"line {number} was altered (not as written)")
        if last is not None and (
            entry.event_id < last.event_id or entry.anchor_event_id < last.anchor_event_id
        ):
            raise BrokenCheckpoints(f"line {number} goes back behind line {number - 1}")
        last, previous_hash = entry, line_hash(text)
    return last, previous_hash


def _missing(low: int, high: int, checkpoint: Checkpoint, tail: str) -> VerificationResult:
    what = f"event {high}" if low >= high else f"events {low}–{high}"
    verb = "is" if low >= high else "are"
    return VerificationResult(
        False,
        0,
        low,
        f"{what} recorded at checkpoint of {checkpoint.when} {verb} missing ({tail})",
    )


def compare_with_log(checkpoint: Checkpoint) -> VerificationResult | None:
    """What is wrong with the log against one checkpoint, or None when it still reaches it."""
    from audit.models import AuditAnchor, AuditEvent

    anchor = AuditAnchor.objects.order_by("-last_event_id").first()
    anchor_id = anchor.last_event_id if anchor else 0
    if anchor_id < checkpoint.anchor_event_id:
        return VerificationResult(
            False,
            0,
            checkpoint.anchor_event_id,
            f"the anchor at event {checkpoint.anchor_event_id} recorded at checkpoint of "
            f"{checkpoint.when} is missing (anchors are append-only)",
        )
    if checkpoint.event_id == 0:
        return None
    if anchor is not None and checkpoint.event_id <= anchor_id:
        # Removed by retention: the anchor answers for the event, if it may.
        if checkpoint.event_id == anchor_id and anchor.last_hash != checkpoint.event_hash:
            return VerificationResult(
                False,
                0,
                checkpoint.event_id,
                f"the anchor at event {anchor_id} differs from the checkpoint of "
                f"{checkpoint.when} (the log was rewritten before it was anchored)",
            )
        if checkpoint.event_time and (
            datetime.fromisoformat(checkpoint.event_time) >= anchor.removed_before
        ):
            return VerificationResult(
                False,
                0,
                checkpoint.event_id,
                f"event {checkpoint.event_id} recorded at checkpoint of {checkpoint.when} is "
                f"gone under the anchor at event {anchor_id}, whose cutoff "
                f"({anchor.removed_before:%Y-%m-%d %H:%M} UTC) is older than the event: "
                "it was not removed by retention",
            )
        return None
    stored = (
        AuditEvent.objects.filter(pk=checkpoint.event_id).values_list("hash", flat=True).first()
    )
    if stored is None:
        kept = AuditEvent.objects.filter(id__gt=anchor_id).values_list("id", flat=True)
        below = kept.filter(id__lt=checkpoint.event_id).order_by("-id").first()
        after = kept.filter(id__gt=checkpoint.event_id).order_by("id").first()
        low = max(anchor_id + 1, checkpoint.first_event_id, (below or 0) + 1)
        if after is not None:
            tail = f"the log goes on from event {after}, written after they were removed"
        elif below is not None:
            tail = f"the log now ends at event {below}"
        else:
            tail = "the log is empty"
        return _missing(low, checkpoint.event_id, checkpoint, tail)
    if stored != checkpoint.event_hash:
        return VerificationResult(
            False,
            0,
            checkpoint.event_id,
            f"event {checkpoint.event_id} differs from the checkpoint of {checkpoint.when} "
            f"(hash {checkpoint.event_hash[:16]}… recorded, {stored[:16]}… now): "
            "the log was rewritten",
        )
    return None


def _new_checkpoint(result: VerificationResult, seq: int, prev: str) -> Checkpoint:
    from audit.models import AuditAnchor, AuditEvent

    anchor = AuditAnchor.objects.order_by("-last_event_id").first()
    anchor_id = anchor.last_event_id if anchor else 0
    head_id = result.last_event_id or 0
    head_hash = result.last_hash or GENESIS_HASH
    event_time, first_id = "", 0
    if head_id > anchor_id:
        occurred = (
            AuditEvent.objects.filter(pk=head_id).values_list("occurred_at", flat=True).first()
        )
        if occurred is not None:
            event_time = occurred.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        first_id = (
            AuditEvent.objects.filter(id__gt=anchor_id)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
            or 0
        )
    return Checkpoint(
        v=FORMAT_VERSION,
        seq=seq,
        time=timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        event_id=head_id,
        event_hash=head_hash,
        event_time=event_time,
        first_event_id=first_id,
        event_count=result.events_checked,
        anchor_event_id=anchor_id,
        anchor_hash=anchor.last_hash if anchor else "",
        prev=prev,
    )


def _failed(result: VerificationResult, problem: VerificationResult) -> VerificationResult:
    return replace(problem, events_checked=result.events_checked)


def check_and_append(result: VerificationResult) -> tuple[VerificationResult, Checkpoint | None]:
    """Check the log against the latest checkpoint, then append the head ``result`` verified.

    Returns the verification's result (a failure when the file or the log does not hold) and
    the checkpoint written, or None when none was: on failure, and when a verification that
    finished meanwhile already recorded a later head.
    """
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    try:
        return _check_and_append(path, result)
    except OSError as exc:
        # Fail closed: a verification that cannot consult or extend the file proves nothing.
        return VerificationResult(
            False,
            result.events_checked,
            None,
            f"checkpoint file {path} could not be read or written: {exc.strerror or exc}",
        ), None


def _check_and_append(
    path: Path, result: VerificationResult
) -> tuple[VerificationResult, Checkpoint | None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    # "a+b": every write goes to the end, whatever the position; reading is allowed too.
    with open(path, "a+b") as handle:
        if new_file:
            os.chmod(path, 0o640)
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            try:
                last, last_hash = _read(handle)
            except BrokenCheckpoints as broken:
                return VerificationResult(
                    False, result.events_checked, None, f"checkpoint file {path}: {broken}"
                ), None
            if last is not None:
                problem = compare_with_log(last)
                if problem is not None:
                    return _failed(result, problem), None
                if (result.last_event_id or 0) < last.event_id:
                    return result, None
            checkpoint = _new_checkpoint(result, (last.seq if last else 0) + 1, last_hash)
            handle.write(checkpoint.line().encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    forward(checkpoint)
    return result, checkpoint


# --- Syslog (RFC 5424) ----------------------------------------------------------------------


def _sd_value(value) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def rfc5424(msgid: str, params: dict, message: str, now: datetime | None = None) -> str:
    """Everything after ``<PRI>``: ``VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG``."""
    now = (now or timezone.now()).astimezone(UTC)
    hostname = (socket.gethostname() or "-").replace(" ", "")[:255] or "-"
    structured = (
        "["
        + SD_ID
        + "".join(f' {name}="{_sd_value(value)}"' for name, value in params.items())
        + "]"
    )
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"1 {timestamp} {hostname} {APP_NAME} {os.getpid()} {msgid} {structured} {message}"


class _Handler(SysLogHandler):
    append_nul = False

    def handleError(self, record):  # noqa: N802 (logging's name)
        # Called inside emit's ``except`` block: re-raise to the caller, which logs it.
        raise


def _send(level: int, text: str) -> None:
    address = settings.AUDIT_SYSLOG_ADDRESS
    if not address:
        return
    try:
        handler = _Handler(
            address=address,
            facility=SYSLOG_FACILITY,
            socktype=None if isinstance(address, str) else socket.SOCK_DGRAM,
        )
    except OSError as exc:
        logger.warning("audit checkpoint not sent to syslog at %s: %s", address, exc)
        return
    try:
        handler.emit(logging.LogRecord(APP_NAME, level, __file__, 0, text, None, None))
    except OSError as exc:
        logger.warning("audit checkpoint not sent to syslog at %s: %s", address, exc)
    finally:
        handler.close()


def forward(checkpoint: Checkpoint) -> None:
    """Send a checkpoint to syslog when ``AUDIT_SYSLOG_ADDRESS`` is set; never raises."""
    line = checkpoint.line()
    params = {
        "seq": checkpoint.seq,
        "eventId": checkpoint.event_id,
        "eventHash": checkpoint.event_hash,
        "eventCount": checkpoint.event_count,
        "anchorEventId": checkpoint.anchor_event_id,
        "lineHash": line_hash(line),
        "prev": checkpoint.prev,
    }
    _send(logging.INFO, rfc5424("checkpoint", params, line))


def forward_failure(result: VerificationResult) -> None:
    """Send a failed verification to syslog, so a collector elsewhere sees it too."""
    params = {"firstBadEventId": result.first_bad_event_id or "", "checked": result.events_checked}
    _send(logging.ERROR, rfc5424("verify-failed", params, result.message))
