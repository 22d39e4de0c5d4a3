from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Partner exchange")

    def ready(self) -> None:
        from exchange import tasks  # noqa: F401  (registers the package job's task)
