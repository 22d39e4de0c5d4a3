from django.db import models
from django.utils.translation import gettext_lazy as _


class ShareKind(models.TextChoices):
    REPORT = "report", _("Intelligence report")
    PRODUCT = "product", _("Analytical product")


class Risk(models.TextChoices):
    """The sender's assessment of one risk of the dissemination."""

    NONE = "none", _("None identified")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ShareStatus(models.TextChoices):
    RECEIVED = "received", _("In the receiving unit's intake")
    EVALUATED = "evaluated", _("Evaluated by the receiving unit")
