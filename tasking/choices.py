"""Constants of the tasking app: kinds, statuses and control-strategy strands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic tasking and co-ordination")
    TACTICAL = "tactical", _("Tactical tasking and co-ordination")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SubjectKind(models.TextChoices):
    """What a candidate priority is about."""

    CRIME_TYPE = "crime_type", _("Crime type")
    GROUP = "group", _("Group or entity")
    PLACE = "place", _("Place")
    THEME = "theme", _("Theme")


class PriorityStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Strand(models.TextChoices):
    """The four headings of the control strategy (NIM)."""

    INTELLIGENCE = "intelligence", _("Intelligence")
    PREVENTION = "prevention", _("Prevention")
    ENFORCEMENT = "enforcement", _("Enforcement")
    REASSURANCE = "reassurance", _("Reassurance")


class RequirementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SATISFIED = "satisfied", _("Satisfied")
    CANCELLED = "cancelled", _("Cancelled")


class TaskingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_TASKING_STATUSES = (TaskingStatus.OPEN, TaskingStatus.IN_PROGRESS)


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class DecisionSubject(models.TextChoices):
    """What a decision is about; each kind but ``general`` names one record."""

    GENERAL = "general", _("General")
    PRIORITY = "priority", _("Priority")
    TASKING = "tasking", _("Tasking")
    PRODUCT = "product", _("Analytical product")
    REQUIREMENT = "requirement", _("Intelligence requirement")


# Agenda sections list at most this many rows each: an agenda is read in a meeting, and the
# snapshot stored on opening stays small.
AGENDA_SECTION_LIMIT = 100
# Approved priorities are reviewed this many days after approval unless a date is given.
DEFAULT_PRIORITY_REVIEW_DAYS = 90
