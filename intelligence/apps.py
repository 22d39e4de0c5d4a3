from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = _("Intelligence")

    def ready(self) -> None:
        from audit import compliance
        from ilp_platform.core import home
        from intelligence import tasks  # noqa: F401  (registers the import job's task)
        from intelligence.compliance import review_compliance
        from intelligence.home import intelligence_panels

        home.register(intelligence_panels)
        compliance.register(review_compliance)
