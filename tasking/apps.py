from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskingConfig(AppConfig):
    name = "tasking"
    verbose_name = _("Tasking and co-ordination")

    def ready(self) -> None:
        from ilp_platform.core import home
        from tasking import scoring
        from tasking.home import tasking_panels

        # A mistake in the scoring configuration stops start-up here, naming the fault.
        scoring.load()
        home.register(tasking_panels)
