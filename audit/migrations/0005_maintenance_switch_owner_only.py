from django.db import migrations


def forwards(apps, schema_editor):
    from audit import db

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db.POSTGRES_OWNER_ONLY_MAINTENANCE, None)


def backwards(apps, schema_editor):
    from audit import db

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db.POSTGRES_INSTALL[0], None)


class Migration(migrations.Migration):
    """The audit triggers honour the maintenance switch only for the tables' owner."""

    dependencies = [("audit", "0004_anomaly_names")]

    operations = [migrations.RunPython(forwards, backwards)]
