import uuid

import pytest
from django.db import connection
from django.db.models.signals import post_migrate
from django.urls import reverse

from ilp_platform.core import context
from tests.utils.world import World, build_world

_TRANSACTIONAL = {"transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _no_training_flag_left_over():
    """The training flag is cached (``core.training``); a test that made this a training
    installation has its row rolled back, not its cached flag."""
    yield
    from django.core.cache import cache

    from ilp_platform.core import training

    if cache.get(training.CACHE_KEY):
        training.forget()


@pytest.fixture(autouse=True)
def _fresh_context():
    """Each test starts with no actor or justification left over from another, and in the
    default language: a request made as a person whose language is another activates it for
    the thread, and the next test in the process would read its messages in that language."""
    from django.utils import translation

    with context.acting(user=None, justification="", ip="127.0.0.1", via="test"):
        yield
    translation.deactivate()


def _reference_data_after_flush(sender, **kwargs):
    """A transactional test empties every table when it ends, the reference data the
    migrations load (crime types, retention classes) included; the flush then sends
    ``post_migrate``, and the data comes back for the tests that follow."""
    if sender.label != "intelligence":
        return
    from importlib import import_module

    from django.apps import apps

    import_module("intelligence.migrations.0002_reference_data").load(apps, None)


post_migrate.connect(_reference_data_after_flush, dispatch_uid="tests.reference_data")


def _world_after_migrate(sender, **kwargs):
    """The people and compartments of ``tests.utils.world``, seeded (and committed) when a
    test database is created and again after a transactional test has emptied it: a test
    then finds them in place and ``build_world`` reads them instead of seeding them each
    time. ``post_migrate`` reaches the last installed app after every other app's handlers
    (groups and permissions) have run."""
    from django.apps import apps

    if sender is not list(apps.get_app_configs())[-1]:
        return
    build_world()


post_migrate.connect(_world_after_migrate, dispatch_uid="tests.world")


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


PAGE_JUSTIFICATION = "OP-TEST page test"


@pytest.fixture
def login(client):
    """Log a person in through the browser and state a justification for the session."""

    def _login(user, justification: str = PAGE_JUSTIFICATION):
        client.force_login(user)
        if justification:
            client.post(reverse("core:justification"), {"reference": justification, "next": "/"})
        return client

    return _login


# Tests that share something outside their own database (a Celery worker on the one Redis
# broker, the database server restarted by the fault tests, the browser journeys' own platform)
# live in these files, and a parallel run (pytest-xdist) gives them all to one process, one
# after another, while the other processes share out every other test one by one.
# (xdist's own ``xdist_group`` does not take effect under pytest 9.)
SHARED_SERVICE_FILES = (
    "tests/e2e/",
    "tests/security/test_faults.py",
    "tests/core/test_worker.py",
    "tests/analysis/test_jobs_worker.py",
    "tests/filestore/test_separate_hosts.py",
    "tests/exchange/test_two_installations.py",
)
_SHARED_SERVICE_MARKERS = ("celery_worker", "faults", "e2e")


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedServicesFirst(LoadScopeScheduling):
        """Each test is its own unit, but the shared-service tests are one unit (the biggest,
        so it is handed out first)."""

        def _split_scope(self, nodeid: str) -> str:
            return "shared-services" if nodeid.startswith(SHARED_SERVICE_FILES) else nodeid

    return SharedServicesFirst(config, log)


def pytest_collection_modifyitems(config, items):
    loose = [
        item.nodeid
        for item in items
        if any(item.get_closest_marker(name) for name in _SHARED_SERVICE_MARKERS)
        and not item.nodeid.startswith(SHARED_SERVICE_FILES)
    ]
    if loose:
        raise pytest.UsageError(
            "Tests using shared services (Celery worker, faults, browser journeys) must live in "
            "a file listed in tests/conftest.py SHARED_SERVICE_FILES: " + ", ".join(loose[:5])
        )
