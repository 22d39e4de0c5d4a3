"""STORAGE_BACKEND and its variables: each backend's wiring, a clear refusal naming the variable
for a bad value, and production's refusal of the filesystem unless a single host is declared."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ilp_platform.filestore import config

_VARIABLES = (
    "STORAGE_BACKEND",
    "STORAGE_FILESYSTEM_SINGLE_HOST",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_PREFIX",
    "S3_ADDRESSING_STYLE",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
)


@pytest.fixture
def env(monkeypatch):
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)

    def _set(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return _set


def test_the_embedded_default_keeps_files_under_the_data_directory(env, tmp_path):
    backend, entry = config.default_storage(production=False, data_dir=tmp_path)
    assert backend == "filesystem"
    assert entry["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert entry["OPTIONS"]["location"] == str(tmp_path / "uploads")
    assert entry["OPTIONS"]["file_permissions_mode"] == 0o600


def test_production_defaults_to_the_database_and_refuses_the_filesystem(env, tmp_path):
    backend, entry = config.default_storage(production=True, data_dir=tmp_path)
    assert (backend, entry["BACKEND"]) == ("database", config.DATABASE_BACKEND)
    env(STORAGE_BACKEND="filesystem")
    with pytest.raises(ImproperlyConfigured) as refused:
        config.default_storage(production=True, data_dir=tmp_path)
    message = str(refused.value)
    assert "STORAGE_BACKEND=filesystem" in message
    assert "STORAGE_FILESYSTEM_SINGLE_HOST=true" in message and "single-host" in message
    env(STORAGE_FILESYSTEM_SINGLE_HOST="true")
    assert config.default_storage(production=True, data_dir=tmp_path)[0] == "filesystem"


def test_an_unknown_backend_is_refused_naming_the_variable_and_the_choices(env, tmp_path):
    env(STORAGE_BACKEND="nfs")
    with pytest.raises(ImproperlyConfigured, match="STORAGE_BACKEND='nfs' must be one of"):
        config.default_storage(production=False, data_dir=tmp_path)


def test_s3_is_wired_from_the_environment_with_secrets_from_files(env, tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("s3cr3t-value\n")
    env(
        STORAGE_BACKEND="s3",
        S3_BUCKET="ilp-uploads",
        S3_ENDPOINT_URL="https://objects.force.local:9000",
        S3_REGION="eu-west-2",
        S3_PREFIX="live/",
        S3_ACCESS_KEY_ID="ilp-app",
        S3_SECRET_ACCESS_KEY_FILE=str(secret),
    )
    backend, entry = config.default_storage(production=True, data_dir=tmp_path)
    assert backend == "s3" and entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"] == {
        "bucket_name": "ilp-uploads",
        "location": "live",
        "endpoint_url": "https://objects.force.local:9000",
        "region_name": "eu-west-2",
        "access_key": "ilp-app",
        "secret_key": "s3cr3t-value",
        "addressing_style": "path",  # the usual for MinIO and Ceph behind one endpoint
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }
    # The options are ones django-storages takes.
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**entry["OPTIONS"])
    assert (storage.bucket_name, storage.location) == ("ilp-uploads", "live")
    assert storage.endpoint_url == "https://objects.force.local:9000"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "S3_BUCKET must be set"),
        ({"S3_BUCKET": "Bad_Bucket"}, "S3_BUCKET='Bad_Bucket' is not a bucket name"),
        (
            {"S3_BUCKET": "ilp", "S3_ENDPOINT_URL": "http://minio:9000"},
            "S3_ENDPOINT_URL='http://minio:9000' is not a URL with scheme https",
        ),
        ({"S3_BUCKET": "ilp", "S3_ACCESS_KEY_ID": "key"}, "S3_SECRET_ACCESS_KEY must be set"),
        ({"S3_BUCKET": "ilp", "S3_SECRET_ACCESS_KEY": "x"}, "S3_ACCESS_KEY_ID must be set"),
        ({"S3_BUCKET": "ilp", "S3_PREFIX": "../up"}, "S3_PREFIX='../up'"),
        ({"S3_BUCKET": "ilp", "S3_ADDRESSING_STYLE": "odd"}, "S3_ADDRESSING_STYLE='odd'"),
        ({"S3_BUCKET": "ilp", "S3_SECRET_ACCESS_KEY_FILE": "/nonexistent/s3"}, "S3_SECRET_"),
    ],
)
def test_a_bad_s3_setting_is_refused_naming_the_variable(env, tmp_path, values, named):
    env(STORAGE_BACKEND="s3", **values)
    with pytest.raises(ImproperlyConfigured) as refused:
        config.default_storage(production=True, data_dir=tmp_path)
    assert named in str(refused.value)


def test_plain_http_object_storage_is_accepted_outside_production(env, tmp_path):
    env(STORAGE_BACKEND="s3", S3_BUCKET="ilp", S3_ENDPOINT_URL="http://127.0.0.1:9000")
    _, entry = config.default_storage(production=False, data_dir=tmp_path)
    assert entry["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert "access_key" not in entry["OPTIONS"]  # boto3's own credential chain applies


# --- Start-up and the deploy check, as an operator runs them ------------------------------------

PRODUCTION_ENV = {
    "ILP_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "ilp.example.org",
    "DATABASE_URL": "postgres://ilp@127.0.0.1:5432/ilp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
_PRINT = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.STORAGE_BACKEND, s.STORAGES['default']['BACKEND']]))"
)


def _manage(*args, **overrides) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith(("STORAGE_", "S3_"))
    }
    environment.update(PRODUCTION_ENV, **overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_refuses_the_filesystem_in_production_unless_single_host(tmp_path):
    refused = _manage("check", "--deploy", STORAGE_BACKEND="filesystem")
    assert refused.returncode != 0
    assert "STORAGE_BACKEND=filesystem" in refused.stderr
    assert "STORAGE_FILESYSTEM_SINGLE_HOST=true" in refused.stderr

    allowed = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        STORAGE_BACKEND="filesystem",
        STORAGE_FILESYSTEM_SINGLE_HOST="true",
        ILP_DATA_DIR=str(tmp_path),
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_production_starts_with_database_storage_by_default_and_passes_the_deploy_check():
    shown = _manage("shell", "-c", _PRINT)
    assert shown.returncode == 0, shown.stderr
    shown_backend = json.loads(shown.stdout.strip().splitlines()[-1])
    assert shown_backend == ["database", config.DATABASE_BACKEND]
    checked = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_development_default_is_the_data_directory(tmp_path):
    shown = _manage("shell", "-c", _PRINT, ILP_ENV="development", ILP_DATA_DIR=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.strip().splitlines()[-1])[0] == "filesystem"
