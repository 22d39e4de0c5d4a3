"""The application's own database role can read and append the audit log, nothing more.

PostgreSQL only: the embedded SQLite database has no roles (its triggers are the protection).
"""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit import db as audit_db
from audit import services
from audit.choices import Action
from audit.models import AuditEvent
from audit.verification import verify_chain
from intelligence.models import Report

pytestmark = pytest.mark.django_db
ROLE = "ilp_app_test"


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("database roles exist on PostgreSQL only")


@pytest.fixture
def app_role(monkeypatch):
    """The role, created and granted inside the test's transaction (rolled back after it)."""
    _postgresql_only()
    monkeypatch.setenv("ILP_TEST_APP_PASSWORD", "a-long-test-password")
    call_command("grant_app_role", ROLE, password_env="ILP_TEST_APP_PASSWORD")
    return ROLE


@contextmanager
def acting_as(role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(statement, params=None):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_application_role_appends_events_and_reads_the_platforms_tables(app_role, world):
    before = AuditEvent.objects.count()
    with acting_as(app_role):
        event = services.record(Action.VIEW, object_type="test.role", object_id="1")
        assert AuditEvent.objects.count() == before + 1
        assert Report.objects.count() >= 0
        assert verify_chain().ok
    assert event.pk and AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_application_role_cannot_change_remove_or_unprotect_events(app_role):
    event = services.record(Action.VIEW, object_type="test.role", object_id="2")
    with acting_as(app_role):
        _refused("UPDATE audit_auditevent SET object_id = 'forged' WHERE id = %s", [event.pk])
        _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        _refused("TRUNCATE audit_auditevent")
        _refused("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        _refused("DROP TRIGGER audit_event_append_only ON audit_auditevent")
        _refused(
            "INSERT INTO audit_auditanchor (created_at, last_event_id, last_hash, "
            "removed_count, removed_before) VALUES (now(), %s, 'x', 0, now())",
            [event.pk],
        )
        # The maintenance switch is the owner's: the application cannot use it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ilp.audit_maintenance', 'on', false)")
        try:
            _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('ilp.audit_maintenance', 'off', false)")
    assert AuditEvent.objects.filter(pk=event.pk, object_id="2").exists()
    assert verify_chain().ok


def test_even_a_role_granted_delete_cannot_use_the_maintenance_switch(app_role):
    event = services.record(Action.VIEW, object_type="test.role", object_id="4")
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT DELETE ON audit_auditevent TO "{app_role}"')
    with acting_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ilp.audit_maintenance', 'on', false)")
        try:
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('ilp.audit_maintenance', 'off', false)")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_owner_alone_may_use_the_maintenance_switch():
    _postgresql_only()
    event = services.record(Action.VIEW, object_type="test.role", object_id="3")
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    audit_db.set_maintenance(connection, True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    finally:
        audit_db.set_maintenance(connection, False)
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_granting_is_itself_an_audited_permission_change(app_role):
    event = AuditEvent.objects.filter(action=Action.PERMISSION_CHANGE).latest("id")
    assert (event.object_type, event.object_id, event.via) == ("database.role", ROLE, "command")
    assert event.details["append_only"]["audit_auditevent"] == "SELECT, INSERT"


def test_a_superuser_or_an_unknown_role_without_a_password_is_refused():
    _postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolsuper LIMIT 1")
        superuser = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", superuser)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", "ilp_no_such_role")


def test_an_empty_password_variable_is_refused(monkeypatch):
    _postgresql_only()
    monkeypatch.setenv("ILP_TEST_EMPTY", "")
    with pytest.raises(CommandError, match="ILP_TEST_EMPTY is empty"):
        call_command("grant_app_role", ROLE, password_env="ILP_TEST_EMPTY")


def test_on_sqlite_the_command_says_it_is_for_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite answer")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("grant_app_role", ROLE)
