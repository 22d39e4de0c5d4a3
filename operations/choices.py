from django.db import models
from django.utils.translation import gettext_lazy as _


class OperationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ItemKind(models.TextChoices):
    """What may be gathered into an operation, by the operation's field holding it."""

    REPORT = "reports", _("Report")
    ENTITY = "entities", _("Entity")
    JOB = "jobs", _("Analysis")
    PRODUCT = "products", _("Product")
    PRIORITY = "priorities", _("Priority")
    REQUIREMENT = "requirements", _("Requirement")
    TASKING = "taskings", _("Tasking")
