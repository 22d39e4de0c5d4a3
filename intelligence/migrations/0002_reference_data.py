"""Default retention classes (MoPI groups) and crime types; administrators edit them later."""

from django.db import migrations

RETENTION_CLASSES = [
    # code, name, description, review period in months, default, order
    (
        "mopi-1",
        "Group 1: certain public protection matters",
        "Serious violent and sexual offences, potentially dangerous people: review every 10 "
        "years while a policing purpose remains.",
        120,
        False,
        1,
    ),
    (
        "mopi-2",
        "Group 2: other sexual, violent or serious offences",
        "Review every 10 years.",
        120,
        False,
        2,
    ),
    (
        "mopi-3",
        "Group 3: all other offences and intelligence",
        "Review after 6 years (the 2006 MoPI minimum); the default for new reports.",
        72,
        True,
        3,
    ),
]

CRIME_TYPES = [
    ("burglary", "Burglary"),
    ("vehicle-crime", "Vehicle crime"),
    ("robbery", "Robbery"),
    ("violence", "Violence against the person"),
    ("drugs", "Drugs"),
    ("asb", "Anti-social behaviour"),
    ("sexual-offences", "Sexual offences"),
    ("weapons", "Possession of weapons"),
    ("exploitation", "Exploitation (county lines, modern slavery)"),
    ("fraud", "Fraud"),
    ("criminal-damage", "Criminal damage and arson"),
    ("theft", "Other theft"),
]


def load(apps, schema_editor):
    RetentionClass = apps.get_model("intelligence", "RetentionClass")
    CrimeType = apps.get_model("intelligence", "CrimeType")
    for code, name, description, months, default, order in RETENTION_CLASSES:
        RetentionClass.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "review_period_months": months,
                "is_default": default,
                "order": order,
            },
        )
    for slug, name in CRIME_TYPES:
        CrimeType.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("intelligence", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
