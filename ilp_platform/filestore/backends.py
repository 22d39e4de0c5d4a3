"""``DatabaseStorage``: a Django storage backend keeping file bytes in the database.

For installations with PostgreSQL but no object storage, so web and worker processes on
different hosts share uploaded files through the database they already share. A file is one
``StoredObject`` row and its bytes ``StoredChunk`` rows of ``chunk_size`` bytes (the last one
shorter). Saving copies the content chunk by chunk inside one transaction (a file is there
whole or not at all); opening returns a read-only, seekable file that fetches one chunk at a
time, so memory stays bounded by one chunk whatever the file size. Works on SQLite too.

Not supported: ``url()`` (stored files are never served by URL) and opening for writing
(write with ``save()``, as Django's storage API does).
"""

from __future__ import annotations

import io
import posixpath
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from ilp_platform.core.errors import MisuseError

DEFAULT_CHUNK_SIZE = 1024 * 1024


def _clean(name: str) -> str:
    name = str(name).replace("\\", "/")
    cleaned = posixpath.normpath(name).lstrip("/")
    if cleaned in ("", ".") or cleaned.startswith("../") or cleaned == "..":
        raise MisuseError(f"not a storable file name: {name!r}")
    return cleaned


class _ChunkReader(io.RawIOBase):
    """Raw, seekable reads over the chunks of one stored file (one chunk cached at a time)."""

    def __init__(self, using: str, pk: int, size: int, chunk_size: int, name: str):
        super().__init__()
        self._using, self._pk, self._size, self._chunk_size = using, pk, size, chunk_size
        self._name = name
        self._pos = 0
        self._index = -1
        self._data = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise MisuseError(f"invalid whence ({whence})")
        if position < 0:
            raise MisuseError(f"negative seek position {position}")
        self._pos = position
        return position

    def _chunk(self, index: int) -> bytes:
        if index != self._index:
            from ilp_platform.filestore.models import StoredChunk

            data = (
                StoredChunk.objects.using(self._using)
                .filter(stored_id=self._pk, index=index)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                raise FileNotFoundError(f"{self._name}: deleted while being read")
            self._index, self._data = index, bytes(data)
        return self._data

    def readinto(self, buffer) -> int:
        if self._pos >= self._size:
            return 0
        index, start = divmod(self._pos, self._chunk_size)
        data = self._chunk(index)
        count = min(len(buffer), len(data) - start)
        if count <= 0:
            return 0
        buffer[:count] = data[start : start + count]
        self._pos += count
        return count


@deconstructible(path="ilp_platform.filestore.backends.DatabaseStorage")
class DatabaseStorage(Storage):
    """Files as chunked rows in the ``using`` database (default: the default database)."""

    def __init__(self, chunk_size: int = DEFAULT_CHUNK_SIZE, using: str = DEFAULT_DB_ALIAS):
        if int(chunk_size) < 1024:
            raise MisuseError("chunk_size must be at least 1024 bytes")
        self.chunk_size = int(chunk_size)
        self.using = using

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _models():
        from ilp_platform.filestore.models import StoredChunk, StoredObject

        return StoredObject, StoredChunk

    def _objects(self):
        stored_object, _ = self._models()
        return stored_object.objects.using(self.using)

    def _row(self, name: str) -> dict:
        row = (
            self._objects()
            .filter(name=_clean(name))
            .values("pk", "size", "chunk_size", "created_at", "modified_at")
            .first()
        )
        if row is None:
            raise FileNotFoundError(f"{name}: no such stored file")
        return row

    # --- the storage API ------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wax+"):
            raise MisuseError("DatabaseStorage files are read-only once stored: write with save()")
        row = self._row(name)
        raw = _ChunkReader(self.using, row["pk"], row["size"], row["chunk_size"], _clean(name))
        handle: IO[Any] = io.BufferedReader(raw, buffer_size=row["chunk_size"])
        if "b" not in mode:
            handle = io.TextIOWrapper(handle, encoding="utf-8")
        stored = File(handle, name=_clean(name))
        stored.size = row["size"]
        stored.mode = mode
        return stored

    def _save(self, name: str, content) -> str:
        name = _clean(name)
        stored_object, stored_chunk = self._models()
        chunks = stored_chunk.objects.using(self.using)
        with transaction.atomic(using=self.using):
            now = timezone.now()
            stored = self._objects().create(
                name=name, size=0, chunk_size=self.chunk_size, created_at=now, modified_at=now
            )
            pending = bytearray()
            index = total = 0
            for piece in content.chunks(self.chunk_size):
                if isinstance(piece, str):
                    piece = piece.encode("utf-8")
                pending += piece
                total += len(piece)
                while len(pending) >= self.chunk_size:
                    block = bytes(pending[: self.chunk_size])
                    del pending[: self.chunk_size]
                    chunks.create(stored=stored, index=index, data=block)
                    index += 1
            if pending:
                chunks.create(stored=stored, index=index, data=bytes(pending))
            self._objects().filter(pk=stored.pk).update(size=total, modified_at=timezone.now())
        return name

    def delete(self, name: str) -> None:
        """Delete ``name`` (nothing happens when there is no such file).

        Plain DELETE statements: the ORM's cascade would load every chunk's bytes to send
        deletion signals (the audit app listens to every model)."""
        stored_object, stored_chunk = self._models()
        pk = self._objects().filter(name=_clean(name)).values_list("pk", flat=True).first()
        if pk is None:
            return
        connection = connections[self.using]
        quote = connection.ops.quote_name
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote(stored_chunk._meta.db_table)} WHERE stored_id = %s",  # noqa: S608
                [pk],
            )
            cursor.execute(
                f"DELETE FROM {quote(stored_object._meta.db_table)} WHERE id = %s",  # noqa: S608
                [pk],
            )

    def exists(self, name: str) -> bool:
        return self._objects().filter(name=_clean(name)).exists()

    def size(self, name: str) -> int:
        return self._row(name)["size"]

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = "" if path in ("", ".", "/") else _clean(path).rstrip("/") + "/"
        names = self._objects().filter(name__startswith=prefix).values_list("name", flat=True)
        directories, files = set(), []
        for name in names.iterator():
            head, sep, _ = name[len(prefix) :].partition("/")
            if sep:
                directories.add(head)
            else:
                files.append(head)
        return sorted(directories), sorted(files)

    def get_created_time(self, name: str):
        return self._row(name)["created_at"]

    def get_modified_time(self, name: str):
        return self._row(name)["modified_at"]

    def get_accessed_time(self, name: str):
        return self._row(name)["modified_at"]

    def path(self, name: str) -> str:
        raise NotImplementedError("files stored in the database have no path on this machine")

    def url(self, name: str | None) -> str:
        raise NotImplementedError("stored files are never served by URL")
