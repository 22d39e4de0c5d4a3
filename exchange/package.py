"""The package format (docs/exchange.md, docs/exchange-package.schema.json): writing a sealed
package and opening one, with every check a received package must pass.

On the wire a package is a small JSON *envelope*::

    {"format": "ilp-exchange-package", "version": 1, "package_id": "...",
     "sender": "<fingerprint>", "recipient": "<fingerprint>",
     "created_at": "...", "expires_at": "...", "sealed": "<base64>"}

``sealed`` is the signed *document* (the same header plus the reports, entities and links)
sealed to the recipient's key. The envelope's header lets the recipient route and refuse a
package before opening it; once opened, the signed header must say the same, so a changed
envelope is caught too.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import crypto

FORMAT = "ilp-exchange-package"
VERSION = 1
SUPPORTED_VERSIONS = (1,)
HEADER_FIELDS = (
    "format",
    "version",
    "package_id",
    "sender",
    "recipient",
    "created_at",
    "expires_at",
)
# The longest a header field other than the fingerprints may be (a UUID, an ISO time and the
# format's name are far shorter): a refusal stores and shows header text, so it is bounded.
MAX_HEADER_FIELD = 64
# A fingerprint as crypto.fingerprint_of writes it (SHA-256 in hex, groups of four); spaces
# may be left out or added, as when a person copies one.
FINGERPRINT = re.compile(r"^\s*(?:[0-9a-fA-F]\s*){64}$")
# Characters a text column cannot hold: NUL (PostgreSQL refuses it in text and JSON; SQLite
# would store it) and the halves of a surrogate pair standing alone (JSON's ``\ud800`` escapes
# decode to them, and they cannot be encoded as UTF-8 to reach any database).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(value: str) -> bool:
    """Whether ``value`` can be stored as text: no NUL, no unpaired surrogate. Cheap on the
    text a package is made of (ASCII text is not searched for surrogates)."""
    if "\x00" in value:
        return False
    return value.isascii() or _UNSTORABLE.search(value) is None


def storable_text(value: str) -> str:
    """``value`` made storable (for the audit of a refusal, whose reason may quote the input):
    NUL left out, an unpaired surrogate written as “?”."""
    if storable(value):
        return value
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


class Refused(Exception):
    """A received package refused; ``code`` names the check (for the audit trail and tests).
    ``signed``: the refusal came after the package's signature was verified (its sender is a
    registered partner), so a push refused so was authenticated."""

    def __init__(
        self, code: str, message: str, *, header: dict | None = None, signed: bool = False
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.header = header or {}
        self.signed = signed


def dumps(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def header(
    *,
    package_id: uuid.UUID,
    sender: str,
    recipient: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "package_id": str(package_id),
        "sender": sender,
        "recipient": recipient,
        "created_at": timestamp(created_at),
        "expires_at": timestamp(expires_at),
    }


def seal(
    document: dict, *, signer: crypto.PrivateIdentity, recipient: crypto.PublicIdentity
) -> bytes:
    """The envelope's bytes: ``document`` (which starts with :func:`header`) signed by
    ``signer`` and sealed to ``recipient``."""
    signed = signer.sign(dumps(document))
    envelope = {key: document[key] for key in HEADER_FIELDS}
    if document.get("training") is True:
        # Shown outside too, for a person looking at the file; the signed flag is the one
        # that counts.
        envelope["training"] = True
    envelope["sealed"] = base64.b64encode(crypto.seal(recipient, signed)).decode()
    return dumps(envelope)


@dataclass
class Opened:
    header: dict
    document: dict
    sender_key: str  # fingerprint


def read_envelope(raw: bytes) -> dict:
    """The envelope's header, checked for shape; ``Refused`` when it is not a package."""
    try:
        # Decoded as UTF-8 first: ``json.loads`` of bytes decodes them with a slower error
        # handler (1.2 to 1.7 times the time on a package of 14 MB).
        envelope = json.loads(bytes(raw).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested thousands of levels deep (``[[[[...``).
        raise Refused("malformed", _("The file is not an exchange package (not JSON).")) from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise Refused(
            "malformed",
            _("The file is not an exchange package (no “format”: “%(format)s”).")
            % {"format": FORMAT},
        )
    for key in ("sender", "recipient"):
        value = envelope.get(key)
        if value and not (
            isinstance(value, str) and len(value) <= 128 and FINGERPRINT.match(value)
        ):
            raise Refused(
                "malformed",
                _("The package's “%(field)s” is not a key fingerprint.") % {"field": key},
            )
    for key in HEADER_FIELDS:
        value = envelope.get(key)
        if key not in ("sender", "recipient") and not (
            value is None
            or isinstance(value, int | str)
            and len(str(value)) <= MAX_HEADER_FIELD
            and storable(str(value))
        ):
            raise Refused(
                "malformed",
                _("The package's “%(field)s” is not a short text.") % {"field": key},
            )
    head = {key: envelope.get(key) for key in HEADER_FIELDS}
    if envelope.get("version") not in SUPPORTED_VERSIONS:
        raise Refused(
            "unsupported_version",
            _(
                "Package format version %(version)s is not supported here (supported: "
                "%(supported)s)."
            )
            % {
                "version": envelope.get("version"),
                "supported": ", ".join(map(str, SUPPORTED_VERSIONS)),
            },
            header=head,
        )
    for key in HEADER_FIELDS:
        if not envelope.get(key):
            raise Refused(
                "malformed", _("The package has no “%(field)s”.") % {"field": key}, header=head
            )
    try:
        uuid.UUID(str(envelope["package_id"]))
    except ValueError:
        raise Refused("malformed", _("The package id is not a UUID."), header=head) from None
    if parse_time(envelope["expires_at"]) is None or parse_time(envelope["created_at"]) is None:
        raise Refused(
            "malformed", _("The package's times are not ISO 8601 times with a zone."), header=head
        )
    if not isinstance(envelope.get("sealed"), str):
        raise Refused("malformed", _("The package holds no sealed content."), header=head)
    head["sealed"] = envelope["sealed"]
    return head


def open_sealed(head: dict, *, own: crypto.PrivateIdentity, sender: crypto.PublicIdentity) -> dict:
    """Open and verify the sealed document; ``Refused`` for altered bytes, a signature that is
    not the sender's, or a signed header that differs from the envelope."""
    public = {key: head[key] for key in HEADER_FIELDS}
    try:
        sealed = base64.b64decode(head["sealed"], validate=True)
    except (binascii.Error, ValueError):
        raise Refused(
            "altered", _("The package's sealed content is damaged (not base64)."), header=public
        ) from None
    try:
        signed = own.open(sealed)
    except crypto.OpenError:
        raise Refused(
            "altered",
            _(
                "The package cannot be opened: its bytes were changed after it was sealed, or it "
                "was sealed to another key."
            ),
            header=public,
        ) from None
    try:
        message = crypto.verify(sender, signed)
    except crypto.SignatureError as exc:
        raise Refused(
            "bad_signature",
            _("The package's signature is not the registered key of the sender: %(reason)s")
            % {"reason": exc},
            header=public,
        ) from None
    try:
        document = json.loads(message.decode("utf-8"))
    except (ValueError, RecursionError):
        raise Refused(
            "malformed", _("The signed content is not JSON."), header=public, signed=True
        ) from None
    if not isinstance(document, dict):
        raise Refused(
            "malformed", _("The signed content is not a package."), header=public, signed=True
        )
    changed = [key for key in HEADER_FIELDS if document.get(key) != head[key]]
    if changed:
        raise Refused(
            "altered",
            _("The envelope was changed after signing: %(fields)s differ from the signed package.")
            % {"fields": ", ".join(changed)},
            header=public,
            signed=True,
        )
    return document


def check_times(head: dict, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    expires = parse_time(head["expires_at"])
    if expires is None or expires <= now:
        raise Refused(
            "expired",
            _("The package expired at %(when)s: ask the sender for a new one.")
            % {"when": head["expires_at"]},
            header={key: head[key] for key in HEADER_FIELDS},
        )
