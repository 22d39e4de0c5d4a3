from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectRequestsConfig(AppConfig):
    name = "subjectrequests"
    verbose_name = _("Data-subject requests")

    def ready(self) -> None:
        from ilp_platform.core import home as home_page
        from subjectrequests import deadlines, home, purposes

        deadlines.rule()  # a deadline rule that cannot be read stops start-up, naming it
        purposes.register()
        home_page.register(home.subject_request_panels)
