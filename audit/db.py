"""Database-level protection of the audit tables: triggers and the maintenance switch.

The triggers refuse UPDATE and DELETE on events and anchors. Deleting events is allowed only
for events already covered by an anchor (log retention). The maintenance switch exists so a
test database can be emptied between tests; on PostgreSQL it is the session setting
``ilp.audit_maintenance``, honoured only for the tables' owner (who could drop the triggers
anyway), on SQLite a function registered on each connection.

In production the application connects as a role that owns nothing (:func:`app_role_grants`,
``manage.py grant_app_role``): it may read and append audit rows, and cannot update, delete,
truncate, switch the triggers off or use the maintenance switch.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.db.backends.signals import connection_created
from django.dispatch import receiver

if TYPE_CHECKING:
    from psycopg import sql

_maintenance = threading.local()


def maintenance_enabled() -> bool:
    return getattr(_maintenance, "on", False)


def set_maintenance(connection, on: bool) -> None:
    _maintenance.on = on
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('ilp.audit_maintenance', %s, false)", ["on" if on else "off"]
            )


@receiver(connection_created)
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "ilp_audit_maintenance",
            0,
            lambda: 1 if maintenance_enabled() else 0,
            deterministic=False,
        )


SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN ilp_audit_maintenance() = 0 AND OLD.id > COALESCE(
            (SELECT MAX(last_event_id) FROM audit_auditanchor), 0)
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_anchor_no_update BEFORE UPDATE ON audit_auditanchor
       BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_anchor_no_delete BEFORE DELETE ON audit_auditanchor
       WHEN ilp_audit_maintenance() = 0
       BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_anchor_no_update",
    "DROP TRIGGER IF EXISTS audit_anchor_no_delete",
]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
      IF current_setting('ilp.audit_maintenance', true) = 'on' THEN
        RETURN COALESCE(OLD, NEW);
      END IF;
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent' AND OLD.id <= COALESCE(
           (SELECT MAX(last_event_id) FROM audit_auditanchor), 0) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_auditanchor
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_auditanchor
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_auditanchor",
    "DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_auditanchor",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, None)


def remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, None)


# Migration 0005: the maintenance switch only for the owner of the table (or a superuser).
# ``current_user`` is the role in force (after SET ROLE), not the login.
POSTGRES_OWNER_ONLY_MAINTENANCE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
  IF current_setting('ilp.audit_maintenance', true) = 'on' AND pg_has_role(
       current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN COALESCE(OLD, NEW);
  END IF;
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent' AND OLD.id <= COALESCE(
       (SELECT MAX(last_event_id) FROM audit_auditanchor), 0) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql"""

# What the application's role may do to the audit tables; every other table gets full
# read-write. Removing old events (``purge_audit``) is left to the owner.
APPEND_ONLY_GRANTS = {
    "audit_auditevent": "SELECT, INSERT",
    "audit_auditanchor": "SELECT",
}


def app_role_grants(role: str, database: str) -> list[sql.Composed]:
    """Statements that give ``role`` what the running platform needs, and no more."""
    from psycopg import sql

    name, db = sql.Identifier(role), sql.Identifier(database)
    statements = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(name),
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, name),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            name
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
    ]
    for table, privileges in APPEND_ONLY_GRANTS.items():
        statements += [
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), name),
            sql.SQL("GRANT " + privileges + " ON {} TO {}").format(sql.Identifier(table), name),
        ]
    return statements


# Migration 0006: names resolved without the session's search_path. ``pg_temp`` comes first
# in every session's search_path, so an unqualified ``audit_auditanchor`` could be a session's
# own TEMPORARY table (one row with a huge ``last_event_id`` made every event deletable). The
# function names the platform's schema (``{schema}``, already quoted, resolved when the
# migration runs) and ``pg_catalog`` explicitly, and runs with ``pg_temp`` searched last.
POSTGRES_QUALIFIED_REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION {schema}.audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF pg_catalog.current_setting('ilp.audit_maintenance', true) = 'on'
     AND pg_catalog.pg_has_role(
       current_user,
       (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID),
       'USAGE') THEN
    RETURN COALESCE(OLD, NEW);
  END IF;
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent' AND OLD.id <= COALESCE(
       (SELECT pg_catalog.max(a.last_event_id) FROM {schema}.audit_auditanchor a), 0) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$"""


def platform_schema(cursor) -> str:
    """The quoted name of the schema the audit tables live in (never a temporary schema)."""
    cursor.execute(
        "SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'audit_auditanchor' AND c.relkind = 'r' "
        "AND n.nspname = pg_catalog.current_schema()"
    )
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("audit_auditanchor is not in the current schema")
    return row[0]
