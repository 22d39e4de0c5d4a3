"""Parameters of analysis jobs, each declared once: name, label, help text, type, range or
choices, default and units.

From a declaration come the validation of a value (:meth:`Param.clean`, one error per field
name, never an exception per value), the browser form's field (``analysis.forms.jobs``) and the
OpenAPI schema of the value (:meth:`Param.schema`). Values are read as JSON gives them: a
number is a JSON number (not a string, not ``true``), a list a JSON array; list parameters
also take their text form (``"100, 200, 300"``, parts separated by commas or spaces), as the
browser form sends it. ``null`` or a
missing parameter means the default.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ilp_platform.core.separators import split_list
from intelligence.models import Entity

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Types of parameter.
NUMBER = "number"  # a JSON number in [minimum, maximum]
INTEGER = "integer"  # a whole JSON number in [minimum, maximum]
CHOICE = "choice"  # one of ``choices``
BOOLEAN = "boolean"
DATE = "date"  # YYYY-MM-DD
BANDS = "bands"  # increasing positive limits, the last at most ``maximum``
ENTITIES = "entities"  # ids of entities the requester may read in the chosen compartments
ENTITY = "entity"  # one such id
BBOX = "bbox"  # min_lon, min_lat, max_lon, max_lat
POLYGON = "polygon"  # GeoJSON Polygon, or its rings of [lon, lat] positions
COMPARTMENTS = "compartments"  # codes of compartments the requester holds
CRIME_TYPES = "crime_types"  # crime type codes or ids

MAX_BANDS = 10
MAX_ENTITIES = 50
MAX_RINGS = 20
MAX_RING_POSITIONS = 1000
MAX_ID = 2**63 - 1  # the largest id a database row can have


class Errors(dict):
    """Messages by field name, as ``ValidationError`` takes them."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


@dataclass
class Context:
    """What validating a value may need: who asks, the compartments the job will read, and
    where the errors go."""

    user: Any
    compartments: list = field(default_factory=list)
    errors: Errors = field(default_factory=Errors)


@dataclass(frozen=True)
class Param:
    """One parameter. ``label`` and ``help`` are what the form shows beside the field and the
    schema describes; ``units`` name the unit of a number; ``invalid`` is the message for a
    value outside ``choices``."""

    name: str
    label: StrOrPromise
    type: str
    help: StrOrPromise = ""
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    units: str = ""
    invalid: str = ""
    example: Any = None

    def clean(self, raw: Any, context: Context) -> Any:
        """The effective value of ``raw`` (the default when it is ``None``), or ``None`` with
        the reason added to ``context.errors`` under this parameter's name."""
        cleaner = _CLEANERS.get(self.type)
        if cleaner is None:
            raise TypeError(f"parameter {self.name}: type {self.type} is cleaned by the service")
        return cleaner(self, raw, context)

    def schema(self, direction: str = "request") -> dict:
        """The OpenAPI schema of the value: what a request may send (``request``), or what a
        stored job holds once its parameters are effective (``response``)."""
        body = _SCHEMAS[self.type](self, direction)
        body["title"] = str(self.label)
        description = str(self.help)
        if self.units:
            description = f"{description} Unit: {self.units}.".strip()
        if description:
            body["description"] = description
        if direction == "request" and self.default is not None:
            body["default"] = self.default
        if direction == "request" and self.example is not None:
            body["example"] = self.example
        return body

    @property
    def choice_values(self) -> list[str]:
        return [value for value, _label in self.choices]


# --- reading values --------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A JSON number: an int or a finite float, never a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def text_list(raw: Any) -> list | None:
    """A list from a JSON array, or from text: a JSON array or parts separated by commas or
    spaces (``core.separators.split_list``, as every form reads a list). ``None`` when ``raw``
    is neither."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None
            return value if isinstance(value, list) else None
        return split_list(text)
    return None


def _numbers(raw: Any) -> list[float] | None:
    """Numbers from a JSON array of numbers, or from text parts that read as numbers."""
    values = text_list(raw)
    if values is None:
        return None
    from_text = isinstance(raw, str)
    numbers = []
    for value in values:
        if from_text and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return None
        if not is_number(value):
            return None
        numbers.append(float(value))
    return numbers


def _whole(value: Any) -> int | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not is_number(value) or not float(value).is_integer():
        return None
    return int(value)


# --- cleaners by type ------------------------------------------------------------------------


def _clean_number(param: Param, raw: Any, context: Context) -> Any:
    errors = context.errors
    if raw is None:
        raw = param.default
    if not is_number(raw):
        errors.add(param.name, _("Enter a number."))
        return None
    value = float(raw)
    if param.type == INTEGER and not value.is_integer():
        errors.add(param.name, _("Enter a whole number."))
        return None
    low, high = param.minimum, param.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        errors.add(
            param.name,
            _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high},
        )
        return None
    return int(value) if param.type == INTEGER or value.is_integer() else value


def _clean_choice(param: Param, raw: Any, context: Context) -> Any:
    if raw is None:
        return param.default
    if not isinstance(raw, str) or raw not in param.choice_values:
        context.errors.add(
            param.name,
            str(param.invalid)
            or _("Choose one of: %(choices)s.") % {"choices": ", ".join(param.choice_values)},
        )
        return None
    return raw


def _clean_boolean(param: Param, raw: Any, context: Context) -> Any:
    if raw is None:
        return param.default
    if not isinstance(raw, bool):
        context.errors.add(param.name, _("Give true or false."))
        return None
    return raw


def _clean_date(param: Param, raw: Any, context: Context) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        value = parse_date(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        context.errors.add(param.name, _("Enter a date as YYYY-MM-DD."))
    return value


def _clean_bands(param: Param, raw: Any, context: Context) -> list | None:
    errors, name, unit, high = context.errors, param.name, param.units, param.maximum
    numbers = list(param.default) if raw in (None, "", []) else _numbers(raw)
    if not numbers:
        errors.add(
            name, _("Give a list of band limits in %(unit)s, e.g. 100, 200, 300.") % {"unit": unit}
        )
        return None
    if len(numbers) > MAX_BANDS:
        errors.add(name, _("Give at most 10 bands."))
        return None
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)) or numbers[0] <= 0:
        errors.add(name, _("Band limits must be positive and increasing."))
        return None
    if numbers[-1] > high:
        errors.add(
            name,
            _("The last band may reach at most %(high)s %(unit)s.") % {"high": high, "unit": unit},
        )
        return None
    return [int(v) if float(v).is_integer() else v for v in numbers]


def _entity_ids(param: Param, raw: Any, context: Context, *, single: bool) -> Any:
    """Entity ids that exist, are current and visible in the chosen compartments; else an error
    that does not tell an invisible entity from a missing one."""
    errors, name = context.errors, param.name
    if raw is None:
        return None if single else []
    if single:
        ids = [_whole(raw)] if not isinstance(raw, str) else [None]
    else:
        values = text_list(raw)
        from_text = isinstance(raw, str)
        ids = (
            None
            if values is None
            else [(_whole(v) if from_text or not isinstance(v, str) else None) for v in values]
        )
    if ids is None or None in ids:
        errors.add(name, _("Give entity ids (whole numbers)."))
        return None
    if len(ids) > MAX_ENTITIES:
        errors.add(name, _("Give at most 50 entities."))
        return None
    # An id outside the database's range names no entity: it is reported missing, unasked.
    found = set(
        Entity.objects.visible_to(context.user)
        .current()
        .filter(pk__in=[i for i in ids if 0 < i <= MAX_ID], compartment__in=context.compartments)
        .values_list("pk", flat=True)
    )
    missing = [i for i in ids if i not in found]
    if missing:
        errors.add(
            name,
            _("No entity %(ids)s among those you may read in the chosen compartments.")
            % {"ids": ", ".join(str(i) for i in missing)},
        )
        return None
    return ids[0] if single else ids


def _clean_bbox(param: Param, raw: Any, context: Context) -> list | None:
    if raw in (None, "", []):
        return None
    errors = context.errors
    box = _numbers(raw) or []
    if len(box) != 4:
        errors.add(param.name, _("Give four numbers: min_lon, min_lat, max_lon, max_lat."))
        return None
    min_lon, min_lat, max_lon, max_lat = box
    if not (-180 <= min_lon < max_lon <= 180):
        errors.add(param.name, _("Longitudes must lie in -180..180 with min_lon below max_lon."))
        return None
    if not (-90 <= min_lat < max_lat <= 90):
        errors.add(param.name, _("Latitudes must lie in -90..90 with min_lat below max_lat."))
        return None
    return box


def _rings(raw: Any) -> list | None:
    """Closed rings of [lon, lat] float positions, or ``None`` when ``raw`` is not rings."""
    if not isinstance(raw, list | tuple) or not raw:
        return None
    rings = []
    for ring in raw:
        if not isinstance(ring, list | tuple):
            return None
        points = []
        for position in ring:
            if not isinstance(position, list | tuple) or len(position) < 2:
                return None
            if not (is_number(position[0]) and is_number(position[1])):
                return None
            points.append([float(position[0]), float(position[1])])
        if len(points) < 3:
            return None
        if points[0] != points[-1]:
            points.append(points[0])
        if len(points) < 4:
            return None
        rings.append(points)
    return rings


def _clean_polygon(param: Param, raw: Any, context: Context) -> list | None:
    if raw in (None, "", [], {}):
        return None
    errors, name = context.errors, param.name
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            errors.add(name, _("Give GeoJSON polygon coordinates (JSON)."))
            return None
    if isinstance(raw, dict):
        if raw.get("type") == "Feature":
            raw = raw.get("geometry") or {}
        if not isinstance(raw, dict) or raw.get("type") != "Polygon":
            errors.add(name, _("Only a GeoJSON Polygon is accepted."))
            return None
        raw = raw.get("coordinates")
    rings = _rings(raw)
    if not rings:
        errors.add(name, _("Give the polygon as rings of [lon, lat] positions, at least 3."))
        return None
    if not all(abs(lon) <= 180 and abs(lat) <= 90 for ring in rings for lon, lat in ring):
        errors.add(name, _("Positions must be [lon, lat] within -180..180 and -90..90."))
        return None
    if len(rings[0]) > MAX_RING_POSITIONS or len(rings) > MAX_RINGS:
        errors.add(name, _("The polygon has too many positions (1,000 at most)."))
        return None
    return rings


_CLEANERS = {
    NUMBER: _clean_number,
    INTEGER: _clean_number,
    CHOICE: _clean_choice,
    BOOLEAN: _clean_boolean,
    DATE: _clean_date,
    BANDS: _clean_bands,
    ENTITIES: lambda p, raw, c: _entity_ids(p, raw, c, single=False),
    ENTITY: lambda p, raw, c: _entity_ids(p, raw, c, single=True),
    BBOX: _clean_bbox,
    POLYGON: _clean_polygon,
}


# --- schemas by type -------------------------------------------------------------------------


def _or_text(array: dict, direction: str, text: str) -> dict:
    """A JSON array, or (in a request) its text form; ``null`` is the default."""
    if direction == "response":
        return {**array, "nullable": True} if array.get("nullable") else array
    return {"oneOf": [array, {"type": "string", "nullable": True, "description": text}]}


def _range(param: Param) -> dict:
    body = {}
    if param.minimum is not None:
        body["minimum"] = param.minimum
    if param.maximum is not None:
        body["maximum"] = param.maximum
    return body


def _number_schema(param: Param, direction: str) -> dict:
    kind = "integer" if param.type == INTEGER else "number"
    body = {"type": kind, **_range(param)}
    return {**body, "nullable": True} if direction == "request" else body


def _choice_schema(param: Param, direction: str) -> dict:
    if direction == "request":
        return {"type": "string", "enum": [*param.choice_values, None], "nullable": True}
    return {"type": "string", "enum": param.choice_values}


def _boolean_schema(param: Param, direction: str) -> dict:
    return {"type": "boolean", "nullable": True} if direction == "request" else {"type": "boolean"}


def _date_schema(param: Param, direction: str) -> dict:
    return {"type": "string", "format": "date", "nullable": True}


def _bands_schema(param: Param, direction: str) -> dict:
    item = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    if param.maximum is not None:
        item["maximum"] = param.maximum
    array = {"type": "array", "items": item, "maxItems": MAX_BANDS}
    return _or_text(
        array, direction, "The limits as text, separated by commas or spaces: '100, 200, 300'."
    )


def _entities_schema(param: Param, direction: str) -> dict:
    item = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    array = {"type": "array", "items": item, "maxItems": MAX_ENTITIES}
    return _or_text(array, direction, "The ids as text, separated by commas or spaces: '12, 40'.")


def _entity_schema(param: Param, direction: str) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "nullable": True}


def _bbox_schema(param: Param, direction: str) -> dict:
    item = {"type": "number", "minimum": -180, "maximum": 180}
    if direction == "response":
        return {"type": "array", "items": item, "minItems": 4, "maxItems": 4, "nullable": True}
    array = {"type": "array", "items": item, "maxItems": 4}
    return _or_text(array, direction, "The four numbers as text: '-2.65, 51.42, -2.53, 51.49'.")


def _polygon_schema(param: Param, direction: str) -> dict:
    position = {"type": "array", "items": {"type": "number"}, "minItems": 2}
    ring = {"type": "array", "items": position, "minItems": 3}
    rings = {"type": "array", "items": ring, "maxItems": MAX_RINGS}
    if direction == "response":
        return {**rings, "nullable": True}
    geometry = {
        "type": "object",
        "description": "A GeoJSON Polygon geometry, or a Feature whose geometry is one.",
    }
    text = {"type": "string", "nullable": True, "description": "GeoJSON as text."}
    return {"oneOf": [rings, geometry, text]}


def _compartments_schema(param: Param, direction: str) -> dict:
    array = {"type": "array", "items": {"type": "string"}}
    return _or_text(
        array, direction, "The codes as text, separated by commas or spaces: 'general, ops'."
    )


def _crime_types_schema(param: Param, direction: str) -> dict:
    if direction == "response":
        return {"type": "array", "items": {"type": "string"}}
    array = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
    return _or_text(
        array, direction, "The codes as text, separated by commas or spaces: 'burglary, robbery'."
    )


_SCHEMAS = {
    NUMBER: _number_schema,
    INTEGER: _number_schema,
    CHOICE: _choice_schema,
    BOOLEAN: _boolean_schema,
    DATE: _date_schema,
    BANDS: _bands_schema,
    ENTITIES: _entities_schema,
    ENTITY: _entity_schema,
    BBOX: _bbox_schema,
    POLYGON: _polygon_schema,
    COMPARTMENTS: _compartments_schema,
    CRIME_TYPES: _crime_types_schema,
}
