from django.db import migrations


def forwards(apps, schema_editor):
    from audit import db

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            schema = db.platform_schema(cursor)
        schema_editor.execute(db.POSTGRES_QUALIFIED_REFUSE_CHANGE.format(schema=schema), None)


def backwards(apps, schema_editor):
    from audit import db

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db.POSTGRES_OWNER_ONLY_MAINTENANCE, None)


class Migration(migrations.Migration):
    """The audit trigger function resolves no name through the session's search_path."""

    dependencies = [("audit", "0005_maintenance_switch_owner_only")]

    operations = [migrations.RunPython(forwards, backwards)]
