from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        from analysis import home_jobs, home_products, tasks  # noqa: F401 (tasks: job sweep)
        from ilp_platform.core import home

        home.register(home_jobs.job_panels)
        home.register(home_products.product_panels)
