"""DatabaseStorage: files as chunked rows, on whichever database the suite runs (PostgreSQL or
SQLite): save, open, streaming reads, delete, exists, size, listdir, times."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc

import pytest
from django.core.files.base import ContentFile, File
from django.db import connection

from ilp_platform.filestore.backends import DatabaseStorage
from ilp_platform.filestore.models import StoredChunk, StoredObject

pytestmark = pytest.mark.django_db

CHUNK = 4096


@pytest.fixture
def storage() -> DatabaseStorage:
    return DatabaseStorage(chunk_size=CHUNK)


def pattern(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def test_a_file_is_saved_in_fixed_size_chunks_and_read_back_whole(storage):
    data = pattern(3 * CHUNK + 123)
    name = storage.save("imports/a.csv", ContentFile(data))
    assert name == "imports/a.csv"
    stored = StoredObject.objects.get(name=name)
    assert stored.size == len(data) and stored.chunk_size == CHUNK
    sizes = [len(bytes(c)) for c in stored.chunks.order_by("index").values_list("data", flat=True)]
    assert sizes == [CHUNK, CHUNK, CHUNK, 123]
    assert storage.exists(name) and storage.size(name) == len(data)
    with storage.open(name) as handle:
        assert handle.size == len(data)
        assert handle.read() == data


def test_reads_stream_chunk_by_chunk_and_seek_anywhere(storage):
    data = pattern(5 * CHUNK + 7)
    name = storage.save("imports/b.csv", ContentFile(data))
    with storage.open(name) as handle:
        assert b"".join(handle.chunks(1000)) == data
        handle.seek(CHUNK - 3)
        assert handle.read(10) == data[CHUNK - 3 : CHUNK + 7]
        assert handle.tell() == CHUNK + 7
        handle.seek(-5, io.SEEK_END)
        assert handle.read() == data[-5:]
        assert handle.read(10) == b""


def test_lines_are_read_across_chunk_boundaries(storage):
    lines = [f"line {n},{'x' * (n % 97)}\n".encode() for n in range(2000)]
    name = storage.save("imports/c.csv", ContentFile(b"".join(lines)))
    with storage.open(name) as handle:
        assert list(handle) == lines
    with storage.open(name, "r") as text:
        assert text.readline() == lines[0].decode()


def test_an_empty_file_and_a_file_of_exactly_one_chunk(storage):
    empty = storage.save("imports/empty.csv", ContentFile(b""))
    assert storage.size(empty) == 0 and storage.open(empty).read() == b""
    exact = storage.save("imports/exact.csv", ContentFile(pattern(CHUNK)))
    assert StoredChunk.objects.filter(stored__name=exact).count() == 1
    assert storage.open(exact).read() == pattern(CHUNK)


def test_a_taken_name_gets_another_and_nothing_is_overwritten(storage):
    first = storage.save("imports/same.csv", ContentFile(b"one"))
    second = storage.save("imports/same.csv", ContentFile(b"two"))
    assert first != second and second.startswith("imports/same_")
    assert storage.open(first).read() == b"one" and storage.open(second).read() == b"two"


def test_delete_removes_the_file_and_its_chunks_and_ignores_a_missing_one(storage):
    name = storage.save("imports/d.csv", ContentFile(pattern(3 * CHUNK)))
    storage.delete(name)
    assert not storage.exists(name)
    assert not StoredObject.objects.exists() and not StoredChunk.objects.exists()
    storage.delete(name)  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)


def test_a_file_deleted_while_it_is_read_stops_the_read(storage):
    name = storage.save("imports/e.csv", ContentFile(pattern(3 * CHUNK)))
    handle = storage.open(name)
    assert len(handle.read(10)) == 10
    storage.delete(name)
    with pytest.raises(FileNotFoundError):
        handle.read(3 * CHUNK)


def test_a_failed_save_leaves_nothing_behind(storage):
    class Broken(File):
        def chunks(self, chunk_size=None):
            yield pattern(CHUNK * 2)
            raise OSError("connection reset by the client")

    with pytest.raises(OSError):
        storage.save("imports/f.csv", Broken(io.BytesIO(), name="f.csv"))
    assert not storage.exists("imports/f.csv") and not StoredChunk.objects.exists()


def test_listdir_times_and_refused_operations(storage):
    for name in ("imports/1.csv", "imports/2.csv", "imports/sub/3.csv", "exports/4.pdf"):
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("imports") == (["sub"], ["1.csv", "2.csv"])
    assert storage.listdir("") == (["exports", "imports"], [])
    assert storage.listdir("nothing") == ([], [])
    modified = storage.get_modified_time("imports/1.csv")
    assert modified.tzinfo is not None
    assert abs(modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert storage.get_created_time("imports/1.csv") <= modified
    with pytest.raises(ValueError, match="read-only"):
        storage.open("imports/1.csv", "wb")
    with pytest.raises(NotImplementedError):
        storage.url("imports/1.csv")
    with pytest.raises(NotImplementedError):
        storage.path("imports/1.csv")
    with pytest.raises(ValueError):
        storage.exists("../outside")


class _Repeated(File):
    """``size`` bytes produced block by block: the test itself never holds the whole file."""

    def __init__(self, size: int, block: bytes):
        super().__init__(io.BytesIO(), name="big.csv")
        self._total, self._block = size, block

    def chunks(self, chunk_size=None):
        for _ in range(self._total // len(self._block)):
            yield self._block


def test_a_100_mb_file_is_saved_and_read_without_being_whole_in_memory():
    storage = DatabaseStorage()  # the configured 1 MiB chunks
    size = 100 * 1024 * 1024
    block = pattern(256 * 1024)
    tracemalloc.start()
    try:
        name = storage.save("imports/big.csv", _Repeated(size, block))
        _, saving_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        total = 0
        with storage.open(name) as handle:
            for piece in handle.chunks(1024 * 1024):
                total += len(piece)
        _, reading_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size == storage.size(name)
    # A few chunks at most (the buffer, the row, the copy), never the 100 MB file.
    limit = 12 * 1024 * 1024
    assert saving_peak < limit, f"{connection.vendor}: saving peaked at {saving_peak:,} bytes"
    assert reading_peak < limit, f"{connection.vendor}: reading peaked at {reading_peak:,} bytes"
