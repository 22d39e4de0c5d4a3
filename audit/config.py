"""Audit settings read from the environment, validated when settings load.

Imported by ``ilp_platform/settings.py``: nothing here touches models or Django settings. A
malformed value stops start-up with one sentence naming the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# host:port (a name, an IPv4 address or a bracketed IPv6 address) for UDP syslog.
_HOST_PORT = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.\-_]+)):(?P<port>\d+)$"
)


def checkpoint_file(value: str | None, data_dir: Path) -> Path:
    """``AUDIT_CHECKPOINT_FILE``: an absolute path; default ``<data dir>/audit-checkpoints.jsonl``.

    Relative paths are refused: web, worker and commands start in different directories and
    must append to the same file.
    """
    if value is None or value.strip() == "":
        return data_dir / "audit-checkpoints.jsonl"
    text = value.strip()
    if "\x00" in text:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_FILE contains a NUL character")
    path = Path(text)
    if not path.is_absolute():
        raise ImproperlyConfigured(
            f"AUDIT_CHECKPOINT_FILE={value!r} must be an absolute path "
            "(e.g. /data/audit-checkpoints.jsonl)"
        )
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise ImproperlyConfigured(
            f"AUDIT_CHECKPOINT_FILE={value!r} is a directory: name the file to append to"
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise ImproperlyConfigured(
            f"AUDIT_CHECKPOINT_FILE={value!r}: {path.parent} is not a directory"
        )
    return path


def syslog_address(value: str | None) -> str | tuple[str, int] | None:
    """``AUDIT_SYSLOG_ADDRESS``: ``host:port`` (UDP) or an absolute unix socket path; unset: off."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if text.startswith("/"):
        return text
    match = _HOST_PORT.match(text)
    if not match:
        raise ImproperlyConfigured(
            f"AUDIT_SYSLOG_ADDRESS={value!r} is neither host:port (UDP, e.g. "
            "syslog.example.org:514 or [2001:db8::1]:514) nor an absolute unix socket path"
        )
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise ImproperlyConfigured(f"AUDIT_SYSLOG_ADDRESS={value!r}: port must be 1-65535")
    return (match["v6"] or match["host"], port)


def value_key(value: str | None, secret_key: str) -> str:
    """``AUDIT_VALUE_KEY``: the key of the digests that stand for personal values in events.

    Unset, it is derived from ``SECRET_KEY`` (so rotating the secret key changes the digests of
    values recorded afterwards); set it to keep digests reproducible across a key rotation.
    """
    if value is None or value.strip() == "":
        return hmac.new(
            secret_key.encode("utf-8"), b"ilp.audit.value-digest", hashlib.sha256
        ).hexdigest()
    if len(value.strip()) < 32:
        raise ImproperlyConfigured("AUDIT_VALUE_KEY must be at least 32 characters")
    return value.strip()
