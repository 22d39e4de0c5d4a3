from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DataProtectionConfig(AppConfig):
    name = "dataprotection"
    verbose_name = _("Data protection")
    # The purpose checks join the audit app's anomaly check (audit.anomalies.added_rules).
    anomaly_rules = ("dataprotection.purpose_checks.check",)

    def ready(self) -> None:
        from dataprotection import baseline, seed  # noqa: F401  (registers the seed step)

        # A fresh installation (and a flushed test database) gets the baseline records.
        post_migrate.connect(baseline.load_after_migrate, dispatch_uid="dataprotection.baseline")
