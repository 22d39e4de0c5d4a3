from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from audit import db, signals  # noqa: F401  (triggers helper, safety net, auth events)
        from audit.home import oversight_panels
        from ilp_platform.core import home

        home.register(oversight_panels)
