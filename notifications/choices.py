from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ENTITY_MENTIONED = "entity_mentioned", _("A report names an entity you watch")
    TASKING_ASSIGNED = "tasking_assigned", _("New tasking")
    PRODUCT_RETURNED = "product_returned", _("Product returned")
    PRODUCT_APPROVED = "product_approved", _("Product approved")
    REQUIREMENT_ANSWERED = "requirement_answered", _("Requirement answered")
