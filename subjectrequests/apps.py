from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectRequestsConfig(AppConfig):
    name = "subjectrequests"
    verbose_name = _("Data-subject requests")
