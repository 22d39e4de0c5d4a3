"""Tables of ``DatabaseStorage``: one row per file, its bytes in fixed-size chunks.

Chunks (not one bytea or large object per file) keep every read and write bounded to one
chunk in memory whatever the file size, and work the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class StoredObject(models.Model):
    """One stored file. Rows are written and deleted by ``DatabaseStorage`` only."""

    name = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField(default=0)
    # Every chunk but the last holds exactly this many bytes, so an offset names its chunk.
    chunk_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "stored file"

    def __str__(self) -> str:
        return self.name


class StoredChunk(models.Model):
    stored = models.ForeignKey(StoredObject, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stored", "index"], name="filestore_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.stored_id}#{self.index}"
