"""Constants of the intelligence app: statuses, kinds and categories as TextChoices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GradingScheme(models.TextChoices):
    UK_3X5X2 = "3x5x2", _("UK 3x5x2 (College of Policing)")
    UK_5X5X5 = "5x5x5", _("UK 5x5x5 (legacy)")
    EUROPOL_4X4 = "4x4", _("4x4 with H-codes (Europol)")
    ADMIRALTY = "admiralty", _("NATO Admiralty")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting evaluation")
    EVALUATED = "evaluated", _("Evaluated")
    ERASED = "erased", _("Erased")


class SourceType(models.TextChoices):
    COVERT_HUMAN = "chis", _("Covert human intelligence source")
    OFFICER = "officer", _("Officer")
    PARTNER = "partner", _("Partner agency")
    OPEN_SOURCE = "open_source", _("Open source")
    TECHNICAL = "technical", _("Technical")
    PUBLIC = "public", _("Member of the public")


class EntityKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation or group")
    VEHICLE = "vehicle", _("Vehicle")
    LOCATION = "location", _("Location")
    COMMUNICATION = "communication", _("Communication identifier")


class IdentifierKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("Email address")
    HANDLE = "handle", _("Online handle")
    VEHICLE_REGISTRATION = "vrm", _("Vehicle registration")
    OTHER = "other", _("Other reference")


class SubjectCategory(models.TextChoices):
    """Categories of data subject (LED Art. 6)."""

    SUSPECT = "suspect", _("Suspect")
    CONVICTED = "convicted", _("Convicted person")
    VICTIM = "victim", _("Victim or potential victim")
    WITNESS = "witness", _("Witness")
    OTHER = "other", _("Other party (contact, associate, informant)")


class LinkKind(models.TextChoices):
    ASSOCIATE = "associate", _("Associate of")
    FAMILY = "family", _("Family of")
    MEMBER_OF = "member_of", _("Member of")
    USES = "uses", _("Uses")
    OWNS = "owns", _("Owns")
    LOCATED_AT = "located_at", _("Located at")


class IncidentOrigin(models.TextChoices):
    """How an incident came to be recorded: the public reported it, or police activity found
    it (a stop-and-search find, a proactive drugs detection). Hotspots built from records that
    police activity generates can follow where police already patrol."""

    PUBLIC = "public", _("Reported by the public")
    POLICE = "police", _("Found by police activity")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class LinkStrength(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    TENTATIVE = "tentative", _("Tentative")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


class ReviewDecision(models.TextChoices):
    RETAIN = "retain", _("Retain")
    ERASE = "erase", _("Erase")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LINKED = "linked", _("Linked")
    DISMISSED = "dismissed", _("Dismissed")
