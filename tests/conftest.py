import uuid

import pytest
from django.db import connection

from ilp_platform.core import context
from tests.utils.world import World, build_world

_TRANSACTIONAL = {"transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _fresh_context():
    """Each test starts with no actor or justification left over from another."""
    with context.acting(user=None, justification="", ip="127.0.0.1", via="test"):
        yield


@pytest.fixture(autouse=True)
def _audit_protection(request):
    """Append-only protection is on during every test.

    Transactional tests empty the database when they end; the maintenance switch lets that
    flush through the audit triggers, and is switched off again before the next test.
    """
    from audit.db import maintenance_enabled, set_maintenance

    names = set(request.fixturenames)
    transactional = (
        bool(names & _TRANSACTIONAL)
        or request.node.get_closest_marker("django_db") is not None
        and request.node.get_closest_marker("django_db").kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    if maintenance_enabled():
        set_maintenance(connection, False)
    yield
    if transactional:
        set_maintenance(connection, True)


@pytest.fixture(scope="session")
def _audit_checkpoint_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def _audit_checkpoint_file(_audit_checkpoint_dir, monkeypatch):
    """Each test appends audit checkpoints to a file of its own, as its database is its own.

    Set in the environment too, so a worker process a test starts uses the same file.
    """
    from django.conf import settings

    path = _audit_checkpoint_dir / f"{uuid.uuid4().hex}.jsonl"
    monkeypatch.setattr(settings, "AUDIT_CHECKPOINT_FILE", path)
    monkeypatch.setenv("AUDIT_CHECKPOINT_FILE", str(path))
    yield path


@pytest.fixture
def world(db) -> World:
    return build_world()
