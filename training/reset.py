"""Loading the scenario on an empty installation, and the trainer's reset.

Both refuse an installation holding real data: any report, incident, entity, source, product,
meeting or subject request on an installation not marked as a training one. The reset empties
the database (the audit trail of the exercise included: it recorded fictional work only) and
loads the scenario afresh; the audit checkpoint file of the run before is kept aside, renamed,
since the new trail starts a new chain.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.db import set_maintenance
from audit.services import service_scope
from ilp_platform.core import training as flag
from training import scenario
from training.models import Installation

# What counts as data: any row of these on a non-training installation refuses the seed.
DATA_MODELS = (
    "intelligence.Report",
    "intelligence.Incident",
    "intelligence.Entity",
    "intelligence.Source",
    "analysis.Product",
    "tasking.Meeting",
    "subjectrequests.SubjectRequest",
)


class Refused(Exception):
    pass


def holds_real_data() -> bool:
    """Records on an installation that is not a training one."""
    if Installation.objects.filter(is_training=True).exists():
        return False
    return any(apps.get_model(label).objects.exists() for label in DATA_MODELS)


def seed(*, language: str, password: str, password_given: bool) -> Installation:
    if Installation.objects.filter(is_training=True).exists():
        raise Refused(
            _(
                "The training scenario is already loaded. To start again, run "
                "“manage.py seed_training --reset”."
            )
        )
    if holds_real_data():
        raise Refused(
            _(
                "This installation holds data that is not training data (reports, incidents, "
                "meetings...). The training scenario loads only into an empty installation: "
                "start one with its own data directory or database, e.g. "
                "“make run SCENARIO=training ILP_DATA_DIR=./.training-data”."
            )
        )
    with transaction.atomic(), service_scope():
        installation = scenario.load(
            language=language, password=password, password_given=password_given
        )
    flag.forget()
    return installation


def reset(*, language: str | None, password: str, password_given: bool) -> Installation:
    current = Installation.objects.filter(is_training=True).first()
    if current is None:
        raise Refused(
            _(
                "This is not a training installation: the reset erases everything, so it runs "
                "only where “manage.py seed_training” loaded the scenario."
            )
        )
    language = language or current.language
    resets = current.resets + 1
    set_maintenance(connection, True)
    try:
        call_command("flush", interactive=False, verbosity=0)
    finally:
        set_maintenance(connection, False)
    flag.forget()
    # The reference data a migration loads (crime types, retention classes) comes back;
    # roles and the data-protection baseline come back with flush's post_migrate.
    import_module("intelligence.migrations.0002_reference_data").load(apps, None)
    checkpoints = Path(str(getattr(settings, "AUDIT_CHECKPOINT_FILE", "") or ""))
    if checkpoints.name and checkpoints.is_file():
        checkpoints.rename(
            checkpoints.with_name(f"{checkpoints.name}.before-reset-{timezone.now():%Y%m%d%H%M%S}")
        )
    with transaction.atomic(), service_scope():
        installation = scenario.load(
            language=language, password=password, password_given=password_given, resets=resets
        )
    flag.forget()
    return installation
