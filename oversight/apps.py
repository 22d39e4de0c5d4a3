from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The oversight console over the audit log: event search and export, integrity,
    anomalies, their API and home panels. The log itself is the ``audit`` app."""

    name = "oversight"
    verbose_name = "Oversight console"

    def ready(self) -> None:
        from ilp_platform.core import home
        from oversight.home import oversight_panels

        home.register(oversight_panels)
