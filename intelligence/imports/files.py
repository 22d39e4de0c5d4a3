"""Receiving an import file: refuse what cannot be read, store the rest out of the web root.

What is refused here, each with a sentence naming the problem (a ``ValidationError`` on the
``file`` field), and nothing is kept:

- a file over ``ILP["IMPORT_MAX_BYTES"]`` (env ``IMPORT_MAX_MB``), an empty file, a header
  with no rows, a file that is neither ``.csv`` nor ``.xlsx``;
- a binary file named ``.csv`` (NUL bytes, a zip or PDF signature);
- text that is not in the chosen encoding. **Encoding rule**: UTF-8 is the default, with or
  without a byte-order mark; nothing is guessed. A file that does not decode is refused naming
  its first bad line, because a silent fallback would turn names and addresses into wrong
  characters without anyone noticing (and a file mixing encodings cannot be decoded right by
  any single fallback). A person whose export is Windows-1252 says so explicitly (the
  ``encoding`` choice) and the file is converted to UTF-8 when stored;
- in XLSX workbooks, any formula cell (named by its cell reference): an import stores values,
  and a formula's cached result may be stale or absent. Only the first worksheet is read.

An accepted file is stored with a generated name (XLSX is converted to a UTF-8 CSV on the way,
keeping row numbers), so every later step reads CSV. It is checked and converted in a temporary
file on this machine's disk, then stored through Django's storage API (``storages["default"]``,
chosen by ``STORAGE_BACKEND``: the data directory, the database or object storage), as
``imports/<name>``: the worker that loads it may run on another host, and copies it back to a
temporary file of its own (``local_copy``) to read it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ilp_platform.core.errors import MisuseError
from intelligence.imports.choices import Encoding, FileFormat

CHUNK = 1024 * 1024  # bytes read at a time: bounded memory whatever the file size
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.csv$")
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive or an Excel workbook"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls or .doc)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_DELIMITERS = (",", ";", "\t", "|")


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


FOLDER = "imports"  # in the shared storage


def storage() -> Storage:
    """Where uploads are kept for the worker: the storage every process is configured with."""
    return storages["default"]


def storage_name(stored_name: str) -> str:
    """The name in the shared storage of one of our stored files (refuses any other name)."""
    if not STORED_NAME.match(stored_name or ""):
        raise MisuseError("not a stored import file name")
    return f"{FOLDER}/{stored_name}"


@contextlib.contextmanager
def _scratch_dir() -> Iterator[Path]:
    """A private temporary folder on this machine, removed afterwards (never shared)."""
    folder = Path(tempfile.mkdtemp(prefix="ilp-import-", dir=settings.FILE_UPLOAD_TEMP_DIR))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def local_copy(stored_name: str) -> Iterator[Path]:
    """A temporary copy on this machine's disk of a stored file, copied chunk by chunk (the
    file is never whole in memory) and deleted on exit. ``FileNotFoundError`` when it is gone."""
    name = storage_name(stored_name)
    with _scratch_dir() as folder:
        target = folder / stored_name
        with storage().open(name, "rb") as source, open(target, "wb") as out:
            for block in source.chunks(CHUNK):
                out.write(block)
        yield target


def max_bytes() -> int:
    return settings.ILP["IMPORT_MAX_BYTES"]


def _megabytes(size: int) -> str:
    return number_format(size / (1024 * 1024), 1, force_grouping=True)


def too_large_message(size: int | None = None) -> str:
    limit = _megabytes(max_bytes())
    if size is None:
        return _("The file is larger than the limit of %(limit)s MB.") % {"limit": limit}
    return _("The file is %(size)s MB, over the limit of %(limit)s MB.") % {
        "size": _megabytes(size),
        "limit": limit,
    }


@dataclass
class StoredFile:
    """An accepted file, stored as UTF-8 CSV under a generated name."""

    stored_name: str
    file_name: str
    file_size: int
    file_format: str
    file_sha256: str
    encoding: str
    delimiter: str
    columns: list[str] = field(default_factory=list)

    def exists(self) -> bool:
        return storage().exists(storage_name(self.stored_name))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StoredFile:
        stored = cls(**{k: data[k] for k in cls.__dataclass_fields__})
        storage_name(stored.stored_name)  # refuses a name that is not one of ours
        return stored

    def delete(self) -> None:
        delete_stored(self.stored_name)


def delete_stored(stored_name: str) -> None:
    with contextlib.suppress(ValueError):
        storage().delete(storage_name(stored_name))


def _format_of(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return FileFormat.CSV
    if suffix == ".xlsx":
        return FileFormat.XLSX
    if suffix == ".xls":
        raise refuse(
            _("Old Excel files (.xls) are not read: save the sheet as .xlsx or CSV and upload it.")
        )
    raise refuse(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def _chunks(source) -> Iterator[bytes]:
    if hasattr(source, "chunks"):
        yield from source.chunks(CHUNK)
        return
    while True:
        block = source.read(CHUNK)
        if not block:
            return
        yield block


def receive(source, *, file_name: str, size: int | None, encoding: str = Encoding.UTF8):
    """Check and store one uploaded file (a Django ``UploadedFile`` or a binary file object).

    Returns a :class:`StoredFile`; raises ``ValidationError`` on ``file`` otherwise, leaving
    nothing behind.
    """
    if size is not None and size > max_bytes():
        raise refuse(too_large_message(size))
    if size == 0:
        raise refuse(_("The file is empty."))
    file_format = _format_of(file_name)
    if encoding not in Encoding.values:
        raise ValidationError({"encoding": [_("Choose UTF-8 or Windows-1252.")]})
    stored_name = f"{uuid.uuid4().hex}.csv"
    with _scratch_dir() as folder:
        target = folder / stored_name
        if file_format == FileFormat.XLSX:
            digest, total = _store_xlsx(source, target)
            encoding = Encoding.UTF8
        else:
            digest, total = _store_csv(source, target, encoding)
        if total == 0:
            raise refuse(_("The file is empty."))
        delimiter, columns = read_header(target)
        # Only an accepted file reaches the shared storage, whole (streamed in chunks).
        with open(target, "rb") as handle:
            saved = storage().save(storage_name(stored_name), File(handle, name=stored_name))
        if saved != storage_name(stored_name):  # never: the name is a fresh UUID
            storage().delete(saved)
            raise RuntimeError(f"the storage renamed {stored_name} to {saved}")
    return StoredFile(
        stored_name=stored_name,
        file_name=Path(file_name).name[:255],
        file_size=total,
        file_format=file_format,
        file_sha256=digest,
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
    )


def _store_csv(source, target: Path, encoding: str) -> tuple[str, int]:
    """Copy in chunks, hashing, checking for binary content and decoding as we go."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == Encoding.UTF8 else encoding)(
        "strict"
    )
    total = 0
    lines_before = 0
    header_done = False
    has_rows = False
    with open(target, "wb") as out:
        os.chmod(target, 0o600)
        for block in _chunks(source):
            if total == 0:
                for signature, what in _BINARY_SIGNATURES:
                    if block.startswith(signature):
                        raise refuse(
                            _(
                                "This is not a CSV text file: it looks like %(what)s. "
                                "Upload the data as CSV or XLSX."
                            )
                            % {"what": what}
                        )
            total += len(block)
            if total > max_bytes():
                raise refuse(too_large_message())
            if b"\x00" in block:
                line = lines_before + block[: block.index(b"\x00")].count(b"\n") + 1
                raise refuse(
                    _(
                        "This is not a CSV text file: line %(line)s holds binary data (NUL bytes; "
                        "a UTF-16 export looks like this too). Save the data as CSV UTF-8."
                    )
                    % {"line": line}
                )
            digest.update(block)
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = lines_before + block[: exc.start].count(b"\n") + 1
                raise refuse(
                    _decode_message(encoding, line, block[exc.start : exc.start + 1])
                ) from None
            if not has_rows:
                rest = text
                if not header_done:
                    newline = text.find("\n")
                    header_done = newline >= 0
                    rest = text[newline + 1 :] if header_done else ""
                has_rows = bool(rest.strip(" \t\r\n,;|"))
            lines_before += block.count(b"\n")
            out.write(block if encoding == Encoding.UTF8 else text.encode("utf-8"))
        try:
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError:
            raise refuse(_decode_message(encoding, lines_before + 1, b"")) from None
    if total and not has_rows:
        raise refuse(_("The file has a header but no rows."))
    return digest.hexdigest(), total


def _decode_message(encoding: str, line: int, byte: bytes) -> str:
    shown = " " + _("(byte 0x%(hex)s)") % {"hex": byte.hex().upper()} if byte else ""
    if encoding == Encoding.UTF8:
        return _(
            "Line %(line)s is not valid UTF-8%(byte)s: the file is in another encoding or mixes "
            "encodings. Save it as “CSV UTF-8” and upload it again, or choose "
            "Windows-1252 if the whole file was saved that way."
        ) % {"line": line, "byte": shown}
    return _("Line %(line)s cannot be read as %(encoding)s%(byte)s.") % {
        "line": line,
        "encoding": encoding,
        "byte": shown,
    }


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _store_xlsx(source, target: Path) -> tuple[str, int]:
    """Convert the first worksheet to CSV, refusing formula cells; row numbers are kept."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    digest = hashlib.sha256()
    total = 0
    raw = target.with_suffix(".xlsx")
    try:
        with open(raw, "wb") as out:
            os.chmod(raw, 0o600)
            for block in _chunks(source):
                if total == 0 and not block.startswith(b"PK\x03\x04"):
                    raise refuse(_("This is not an Excel workbook (.xlsx), whatever its name."))
                total += len(block)
                if total > max_bytes():
                    raise refuse(too_large_message())
                digest.update(block)
                out.write(block)
        if total == 0:
            return digest.hexdigest(), 0
        try:
            workbook = load_workbook(raw, read_only=True, data_only=False)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise refuse(
                _("The workbook cannot be read (%(error)s). Save it again as .xlsx.")
                % {"error": exc.__class__.__name__}
            ) from None
        try:
            sheet = workbook.worksheets[0]
            rows = 0
            with open(target, "w", encoding="utf-8", newline="") as out:
                os.chmod(target, 0o600)
                writer = csv.writer(out, lineterminator="\n")
                for number, row in enumerate(sheet.iter_rows(), start=1):
                    values = []
                    for cell in row:
                        if getattr(cell, "data_type", None) == "f":
                            raise refuse(
                                _(
                                    "Cell %(cell)s holds a formula (%(formula)s). Imports take "
                                    "values only: copy the sheet and paste values, then upload."
                                )
                                % {"cell": cell.coordinate, "formula": str(cell.value)[:60]}
                            )
                        values.append(_cell_text(getattr(cell, "value", None)))
                    while values and values[-1] == "":
                        values.pop()
                    # Keep empty rows as empty lines, so line N of the CSV is row N of the sheet.
                    if values:
                        writer.writerow(values)
                    else:
                        out.write("\n")
                    rows = number
        except (KeyError, ValueError, TypeError, IndexError, zipfile.BadZipFile) as exc:
            raise refuse(
                _("The workbook cannot be read (%(error)s). Save it again as .xlsx.")
                % {"error": exc.__class__.__name__}
            ) from None
        finally:
            workbook.close()
        if rows == 0:
            return digest.hexdigest(), 0
        with open(target, "rb") as check:
            check.readline()
            if not check.read().strip(b" \t\r\n,"):
                raise refuse(_("The file has a header but no rows."))
    finally:
        raw.unlink(missing_ok=True)
    return digest.hexdigest(), total


def read_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (guessed from the header line) and the column names."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise refuse(_("The first line is empty: it must name the columns."))
    delimiter = max(_DELIMITERS, key=first.count)
    if not first.count(delimiter):
        delimiter = ","
    columns = [c.strip() for c in next(csv.reader([first], delimiter=delimiter))]
    for number, name in enumerate(columns, start=1):
        if not name:
            raise refuse(
                _("Column %(number)s has no name in the header line.") % {"number": number}
            )
    seen: set[str] = set()
    for name in columns:
        if name.lower() in seen:
            raise refuse(_("The column %(name)s appears twice in the header.") % {"name": name})
        seen.add(name.lower())
    return delimiter, columns


def expired_files(hours: int, keep: set[str]) -> list[str]:
    """Names of stored files older than ``hours`` that no unfinished import still needs."""
    limit = timezone.now() - timedelta(hours=hours)
    shared = storage()
    try:
        _, names = shared.listdir(FOLDER)
    except FileNotFoundError:  # nothing stored yet (filesystem: no folder)
        return []
    expired = []
    for name in names:
        if not STORED_NAME.match(name) or name in keep:
            continue
        try:
            modified = shared.get_modified_time(storage_name(name))
        except FileNotFoundError:  # deleted meanwhile
            continue
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified)
        if modified < limit:
            expired.append(name)
    return expired
