"""Constants of the analysis app. The kinds of analysis job are modules of ``analysis.kinds``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic assessment")
    TACTICAL = "tactical", _("Tactical assessment")
    SUBJECT_PROFILE = "subject_profile", _("Subject profile")
    PROBLEM_PROFILE = "problem_profile", _("Problem profile")
    THREAT_ASSESSMENT = "threat_assessment", _("Threat assessment")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    DISSEMINATED = "disseminated", _("Disseminated")
