"""Constants of incident imports: modes, file formats, the incident fields a file may fill."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportMode(models.TextChoices):
    INSERT = "insert", _("Add new incidents only (a reference that exists already is an error)")
    UPDATE = "update", _("Add new incidents and update those whose reference exists already")


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")


class Encoding(models.TextChoices):
    UTF8 = "utf-8", _("UTF-8 (with or without a byte-order mark)")
    CP1252 = "cp1252", _("Windows-1252 (Western European, older Excel exports)")


# The incident fields an import fills, in file order when a file names them itself.
REQUIRED_FIELDS = ("reference", "crime_type", "occurred_from", "latitude", "longitude")
OPTIONAL_FIELDS = ("occurred_to", "address", "origin")
INCIDENT_FIELDS = (
    REQUIRED_FIELDS[:3] + ("occurred_to",) + REQUIRED_FIELDS[3:] + ("address", "origin")
)

FIELD_LABELS = {
    "reference": _("Reference"),
    "crime_type": _("Crime type (code or name)"),
    "occurred_from": _("Occurred from"),
    "occurred_to": _("Occurred to"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "address": _("Address"),
    "origin": _("Origin (public, police, other or unknown; blank: unknown)"),
}
