"""File columns to incident fields: automatic when the header names the fields, otherwise
given once and remembered for files of the same layout (the same normalised header)."""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from intelligence.imports.choices import INCIDENT_FIELDS, REQUIRED_FIELDS
from intelligence.models import ImportMapping

# Header names taken to mean an incident field without asking (after normalisation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "incident_reference", "incident_ref", "crime_reference"),
    "crime_type": ("crime_type", "crimetype", "offence_type", "crime_category"),
    "occurred_from": ("occurred_from", "occurred_at", "occurred", "from_datetime"),
    "occurred_to": ("occurred_to", "to_datetime"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "address": ("address", "location_address"),
    "origin": ("origin", "incident_origin", "how_found"),
}

AUTOMATIC = "header"
REMEMBERED = "remembered"
GIVEN = "given"


def normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def layout_hash(columns: list[str]) -> str:
    return hashlib.sha256("\x1f".join(normalise(c) for c in columns).encode("utf-8")).hexdigest()


def automatic(columns: list[str]) -> dict[str, str]:
    """The fields whose name (or an unambiguous synonym) the header carries."""
    by_name = {normalise(c): c for c in columns}
    found = {}
    for field in INCIDENT_FIELDS:
        for name in SYNONYMS[field]:
            if name in by_name:
                found[field] = by_name[name]
                break
    return found


def check(columns: list[str], mapping: dict) -> dict[str, str]:
    """A mapping cleaned of blanks; ``ValidationError`` on ``mapping`` naming what is wrong."""
    errors = []
    if not isinstance(mapping, dict):
        raise ValidationError(
            {"mapping": [_("Give the mapping as an object: incident field -> file column.")]}
        )
    cleaned = {str(k): str(v) for k, v in mapping.items() if v not in (None, "")}
    for field in cleaned:
        if field not in INCIDENT_FIELDS:
            errors.append(
                _("%(field)s is not an incident field (fields: %(fields)s).")
                % {"field": field, "fields": ", ".join(INCIDENT_FIELDS)}
            )
    for field, column in cleaned.items():
        if column not in columns:
            errors.append(
                _("The file has no column %(column)s (for %(field)s).")
                % {"column": column, "field": field}
            )
    used: dict[str, str] = {}
    for field, column in cleaned.items():
        if column in used:
            errors.append(
                _("The column %(column)s is given for both %(a)s and %(b)s.")
                % {"column": column, "a": used[column], "b": field}
            )
        used[column] = field
    missing = [f for f in REQUIRED_FIELDS if f not in cleaned]
    if missing:
        errors.append(
            _(
                "The file's columns do not give %(missing)s. Columns found: %(columns)s. "
                "Map each incident field to a column, or name the columns %(fields)s."
            )
            % {
                "missing": ", ".join(missing),
                "columns": ", ".join(columns),
                "fields": ", ".join(INCIDENT_FIELDS),
            }
        )
    if errors:
        raise ValidationError({"mapping": errors})
    return {f: cleaned[f] for f in INCIDENT_FIELDS if f in cleaned}


def remembered(columns: list[str]) -> dict[str, str] | None:
    saved = ImportMapping.objects.filter(layout_hash=layout_hash(columns)).first()
    if saved is None:
        return None
    try:
        return check(columns, saved.mapping)
    except ValidationError:
        return None


def resolve(columns: list[str], given: dict | None = None) -> tuple[dict[str, str], str]:
    """The mapping to use and where it came from (given, header, remembered).

    Raises ``ValidationError`` on ``mapping`` when nothing maps the required fields.
    """
    if given:
        return check(columns, given), GIVEN
    auto = automatic(columns)
    if all(f in auto for f in REQUIRED_FIELDS):
        return auto, AUTOMATIC
    saved = remembered(columns)
    if saved is not None:
        return saved, REMEMBERED
    return check(columns, auto), AUTOMATIC  # raises, naming the missing fields


def suggestion(columns: list[str]) -> dict[str, str]:
    """A starting point for the mapping form: the remembered mapping, or what the header names."""
    return remembered(columns) or automatic(columns)


def remember(columns: list[str], mapping: dict[str, str], user) -> None:
    """Keep a mapping a person gave for files of this layout (one row per layout)."""
    ImportMapping.objects.update_or_create(
        layout_hash=layout_hash(columns),
        defaults={"columns": columns, "mapping": mapping, "updated_by": user},
    )


def used(columns: list[str]) -> None:
    ImportMapping.objects.filter(layout_hash=layout_hash(columns)).update(
        times_used=F("times_used") + 1
    )
