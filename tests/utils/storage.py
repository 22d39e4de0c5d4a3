"""The shared-file storage under test: each backend ``STORAGE_BACKEND`` offers, configured by
the same functions the settings use (``ilp_platform.filestore.config``).

- ``filesystem``: a temporary folder of the test's own (as ``ILP_DATA_DIR/uploads``);
- ``database``: ``DatabaseStorage`` on the test database (PostgreSQL or SQLite), with small
  chunks so every file spans several;
- ``s3``: django-storages' S3 backend against moto's in-process fake S3 (no network).

``ILP_TEST_STORAGE_BACKENDS`` (comma-separated) narrows the list: CI's embedded pass leaves out
``s3``, whose answers do not depend on the database and which its PostgreSQL pass has run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.files.storage import Storage, storages

from ilp_platform.filestore import config

ALL_BACKENDS = (config.FILESYSTEM, config.DATABASE, config.S3)


def _backends() -> tuple[str, ...]:
    raw = os.environ.get("ILP_TEST_STORAGE_BACKENDS", "").strip()
    if not raw:
        return ALL_BACKENDS
    chosen = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = sorted(set(chosen) - set(ALL_BACKENDS))
    if unknown:
        raise ValueError(
            f"ILP_TEST_STORAGE_BACKENDS names {', '.join(unknown)}; the backends are "
            f"{', '.join(ALL_BACKENDS)}"
        )
    return chosen


BACKENDS = _backends()
S3_BUCKET = "ilp-test-uploads"
TEST_CHUNK = 4096


@dataclass
class SharedFiles:
    backend: str

    @property
    def storage(self) -> Storage:
        return storages["default"]

    def names(self, folder: str = "imports") -> list[str]:
        try:
            return self.storage.listdir(folder)[1]
        except FileNotFoundError:
            return []

    def is_empty(self) -> bool:
        try:
            return self.storage.listdir("") == ([], [])
        except FileNotFoundError:  # filesystem: nothing was ever stored
            return True


@contextlib.contextmanager
def fake_s3() -> Iterator[dict]:
    """moto's fake S3 with one empty bucket; yields the ``STORAGES`` entry that uses it."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name="eu-west-2").create_bucket(
            Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        yield config.s3(
            bucket=S3_BUCKET,
            region="eu-west-2",
            prefix="ilp-test",
            access_key="test-access-key",
            secret_key="test-secret-key",
        )


@contextlib.contextmanager
def use_backend(backend: str, settings, tmp_path) -> Iterator[SharedFiles]:
    """``settings.STORAGES["default"]`` set to ``backend`` for the duration."""
    with contextlib.ExitStack() as stack:
        if backend == config.FILESYSTEM:
            entry = config.filesystem(tmp_path)
        elif backend == config.DATABASE:
            entry = config.database()
            entry["OPTIONS"]["chunk_size"] = TEST_CHUNK
        else:
            entry = stack.enter_context(fake_s3())
        settings.STORAGES = {**settings.STORAGES, "default": entry}
        settings.STORAGE_BACKEND = backend
        yield SharedFiles(backend)


@pytest.fixture(params=BACKENDS)
def shared_storage(request, settings, tmp_path) -> Iterator[SharedFiles]:
    """Each test that takes it runs once per storage backend."""
    with use_backend(request.param, settings, tmp_path / "data") as files:
        yield files
