from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DataProtectionConfig(AppConfig):
    name = "dataprotection"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from audit import anomalies
        from dataprotection import baseline, purpose_checks, seed  # noqa: F401  (seed step)

        anomalies.add_rule(purpose_checks.check)

        # A fresh installation (and a flushed test database) gets the baseline records.
        post_migrate.connect(baseline.load_after_migrate, dispatch_uid="dataprotection.baseline")
