"""The append-only trigger cannot be fooled by a temporary table shadowing the anchor table.

``pg_temp`` comes first in a session's search_path, so a trigger function that names
``audit_auditanchor`` unqualified would read a session's own TEMPORARY table of that name: one
row with a huge ``last_event_id`` and every event looked "covered by an anchor", deletable.
The function names the platform's schema and ``pg_catalog`` explicitly and runs with
``search_path = pg_catalog, pg_temp``.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from audit import services
from audit.choices import Action
from audit.models import AuditEvent
from tests.audit.test_app_role import acting_as, app_role  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

SHADOW = [
    "CREATE TEMPORARY TABLE audit_auditanchor (last_event_id bigint)",
    "INSERT INTO audit_auditanchor VALUES (9223372036854775807)",
]


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("search_path and temporary schemas are PostgreSQL's")


def _delete_with_a_shadow_anchor(event_id):
    """Create the shadow table and try the delete; both vanish with the savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in SHADOW:
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])


def test_a_temporary_anchor_table_does_not_open_the_log_to_the_tables_owner():
    _postgresql_only()
    event = services.record(Action.VIEW, object_type="test.shadow", object_id="1")
    with pytest.raises(DatabaseError, match="append-only"):
        _delete_with_a_shadow_anchor(event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_temporary_anchor_table_does_not_open_the_log_to_a_role_granted_delete(app_role):  # noqa: F811
    _postgresql_only()
    event = services.record(Action.VIEW, object_type="test.shadow", object_id="2")
    with connection.cursor() as cursor:
        # A mistaken grant: the trigger is what still stands between the role and the log.
        cursor.execute(f'GRANT DELETE ON audit_auditevent TO "{app_role}"')
    with acting_as(app_role), pytest.raises(DatabaseError, match="append-only"):
        _delete_with_a_shadow_anchor(event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_trigger_function_is_schema_qualified_with_a_fixed_search_path():
    _postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proconfig, pg_catalog.pg_get_functiondef(p.oid) FROM pg_catalog.pg_proc p "
            "WHERE p.proname = 'audit_refuse_change'"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    assert len(rows) == 1, "one trigger function, replaced in place"
    config, source = rows[0]
    assert config == ["search_path=pg_catalog, pg_temp"]
    assert f"{schema}.audit_auditanchor" in source
    assert "pg_catalog.pg_class" in source


def test_genuine_anchors_still_allow_retention_and_nothing_else():
    """The replaced function keeps the rules: covered events may go, newer ones may not."""
    _postgresql_only()
    from datetime import timedelta

    from django.utils import timezone

    from audit.integrity import purge_expired

    old = services.record(Action.VIEW, object_type="test.shadow", object_id="old")
    anchor = purge_expired(now=timezone.now() + timedelta(days=10), retention_days=5)
    assert anchor is not None and anchor.last_event_id >= old.pk
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    kept = AuditEvent.objects.latest("id")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=kept.pk).delete()


def test_on_sqlite_a_temporary_table_does_not_shadow_the_triggers_anchor_table():
    """SQLite resolves a main-schema trigger's tables in its own schema: checked, not assumed."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite answer")
    event = services.record(Action.VIEW, object_type="test.shadow", object_id="3")
    with pytest.raises(DatabaseError, match="append-only"):
        _delete_with_a_shadow_anchor(event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
