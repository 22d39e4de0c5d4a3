"""PostgreSQL full-text search: a trigger keeps search_vector from search_document; GIN index.

On SQLite this migration does nothing (search falls back to a case-insensitive match).
"""

from django.db import migrations

INSTALL = [
    """
    CREATE OR REPLACE FUNCTION intelligence_report_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := to_tsvector('english', coalesce(NEW.search_document, ''));
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER intelligence_report_search_vector
    BEFORE INSERT OR UPDATE OF search_document ON intelligence_report
    FOR EACH ROW EXECUTE FUNCTION intelligence_report_search_vector()
    """,
    "CREATE INDEX IF NOT EXISTS intel_report_search_gin ON intelligence_report "
    "USING gin (search_vector)",
    "UPDATE intelligence_report SET search_vector = "
    "to_tsvector('english', coalesce(search_document, ''))",
]
REMOVE = [
    "DROP INDEX IF EXISTS intel_report_search_gin",
    "DROP TRIGGER IF EXISTS intelligence_report_search_vector ON intelligence_report",
    "DROP FUNCTION IF EXISTS intelligence_report_search_vector()",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in INSTALL:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in REMOVE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("intelligence", "0002_reference_data")]

    operations = [migrations.RunPython(install, remove)]
