from django.db import migrations


def forwards(apps, schema_editor):
    from audit import db

    db.install(schema_editor)


def backwards(apps, schema_editor):
    from audit import db

    db.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
