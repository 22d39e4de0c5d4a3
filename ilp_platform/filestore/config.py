"""``STORAGE_BACKEND`` and its variables, read and validated when the settings load.

Imported by ``ilp_platform/settings.py``: nothing here touches models or Django settings. A
malformed or missing value stops start-up with one sentence naming the variable.

- ``filesystem``: files under ``<ILP_DATA_DIR>/uploads`` on this machine. The embedded
  default; refused in production unless ``STORAGE_FILESYSTEM_SINGLE_HOST=true`` says every
  web and worker process runs on this one host (or mounts the same data directory).
- ``database``: files as chunked rows in the platform's database
  (``ilp_platform.filestore.backends.DatabaseStorage``). The production default.
- ``s3``: S3-compatible object storage through django-storages: ``S3_BUCKET`` (required),
  ``S3_ENDPOINT_URL`` (MinIO, Ceph...; https in production), ``S3_REGION``, ``S3_PREFIX``,
  ``S3_ADDRESSING_STYLE``, ``S3_ACCESS_KEY_ID`` and ``S3_SECRET_ACCESS_KEY`` (each also from
  a file named by ``<NAME>_FILE``; both or neither: without them boto3's own credential chain
  applies, e.g. an instance role).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ilp_platform.env import env_bool, env_choice, env_str, env_url

FILESYSTEM, DATABASE, S3 = "filesystem", "database", "s3"
BACKENDS = (FILESYSTEM, DATABASE, S3)
DATABASE_BACKEND = "ilp_platform.filestore.backends.DatabaseStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# Bucket names as S3 and its compatible servers accept them.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^[A-Za-z0-9._\-/]*$")

FILESYSTEM_REFUSED = (
    "STORAGE_BACKEND=filesystem keeps uploaded files on this machine's disk (ILP_DATA_DIR), "
    "where web and worker processes on other hosts cannot read them: in production set "
    "STORAGE_BACKEND=database (files in PostgreSQL) or STORAGE_BACKEND=s3 (object storage), "
    "or set STORAGE_FILESYSTEM_SINGLE_HOST=true for a single-host install whose web and "
    "worker processes all share ILP_DATA_DIR"
)


def filesystem(data_dir: Path) -> dict:
    """Files under ``<data_dir>/uploads`` (readable by this process's user only)."""
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(Path(data_dir) / "uploads"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


def database() -> dict:
    return {"BACKEND": DATABASE_BACKEND, "OPTIONS": {"chunk_size": 1024 * 1024}}


def s3(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    prefix: str = "ilp",
    addressing_style: str = "",
    access_key: str = "",
    secret_key: str = "",
) -> dict:
    """django-storages' S3 backend: private objects, never overwritten, never served by URL."""
    options = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "default_acl": None,  # the bucket's own policy: objects stay private
        "file_overwrite": False,
        "querystring_auth": True,
        "addressing_style": addressing_style or ("path" if endpoint_url else None),
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def s3_from_env(*, production: bool) -> dict:
    bucket = env_str("S3_BUCKET").strip()
    if not bucket:
        raise ImproperlyConfigured("S3_BUCKET must be set when STORAGE_BACKEND=s3")
    if not _BUCKET.match(bucket):
        raise ImproperlyConfigured(
            f"S3_BUCKET={bucket!r} is not a bucket name (3-63 lower-case letters, digits, "
            "dots and hyphens)"
        )
    endpoint_url = env_url("S3_ENDPOINT_URL", ("https",) if production else ("https", "http"))
    prefix = env_str("S3_PREFIX", "ilp").strip()
    if not _PREFIX.match(prefix) or ".." in prefix:
        raise ImproperlyConfigured(
            f"S3_PREFIX={prefix!r} may hold letters, digits, '.', '_', '-' and '/' only"
        )
    access_key = env_str("S3_ACCESS_KEY_ID").strip()
    secret_key = env_str("S3_SECRET_ACCESS_KEY").strip()
    if bool(access_key) != bool(secret_key):
        missing = "S3_SECRET_ACCESS_KEY" if access_key else "S3_ACCESS_KEY_ID"
        raise ImproperlyConfigured(
            f"{missing} must be set too: give S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY "
            "together, or neither to use the host's own credentials (instance role, "
            "AWS_* variables)"
        )
    return s3(
        bucket=bucket,
        endpoint_url=endpoint_url,
        region=env_str("S3_REGION").strip(),
        prefix=prefix,
        addressing_style=env_choice("S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), ""),
        access_key=access_key,
        secret_key=secret_key,
    )


def default_storage(*, production: bool, data_dir: Path) -> tuple[str, dict]:
    """The chosen backend's name and its ``STORAGES["default"]`` entry."""
    backend = env_choice("STORAGE_BACKEND", BACKENDS, DATABASE if production else FILESYSTEM)
    if backend == FILESYSTEM:
        if production and not env_bool("STORAGE_FILESYSTEM_SINGLE_HOST", False):
            raise ImproperlyConfigured(FILESYSTEM_REFUSED)
        return backend, filesystem(data_dir)
    if backend == DATABASE:
        return backend, database()
    return backend, s3_from_env(production=production)
