from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The platform's roles; each is a Django group of the same name."""

    OFFICER = "officer", _("Officer")
    ANALYST = "analyst", _("Analyst")
    MANAGER = "manager", _("Manager")
    SOURCE_HANDLER = "source_handler", _("Source handler")
    OVERSIGHT = "oversight", _("Oversight")
    ADMINISTRATOR = "administrator", _("Administrator")
