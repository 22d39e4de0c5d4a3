from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ENTITY_MENTIONED = "entity_mentioned", _("A report names an entity you watch")
    TASKING_ASSIGNED = "tasking_assigned", _("New tasking")
    PRODUCT_RETURNED = "product_returned", _("Product returned")
    PRODUCT_APPROVED = "product_approved", _("Product approved")
    REQUIREMENT_ANSWERED = "requirement_answered", _("Requirement answered")
    # Arrivals in a unit's intake from another unit, told to the receiving unit's managers.
    SHARE_RECEIVED = "share_received", _("Intelligence shared with your unit")
    REQUIREMENT_ISSUED = "requirement_issued", _("Requirement from a higher level")
    PRIORITY_ISSUED = "priority_issued", _("Priority from a higher level's control strategy")
    # Watched operations: a record gathered into one, and its closing or reopening.
    OPERATION_GATHERED = "operation_gathered", _("Added to an operation you watch")
    OPERATION_CLOSED = "operation_closed", _("An operation you watch was closed")
    OPERATION_REOPENED = "operation_reopened", _("An operation you watch was reopened")
    # A watched search: a new report it finds.
    SEARCH_MATCHED = "search_matched", _("A new report matches a search you watch")
