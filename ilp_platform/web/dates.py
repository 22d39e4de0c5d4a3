"""Date and time boxes in the language's date shape (``ilp_platform/formats``), and the
language's order of the week.

A browser's own date box (``type="date"``) shows the date in the browser's locale
(mm/dd/yyyy in a US-English browser) whatever the page's language, so a person would meet a
second shape in forms. These are text boxes holding the date as the pages show it (06/12/2026,
06.12.2026), with the shape as a hint; the form accepts the shapes of ``DATE_INPUT_FORMATS``
for the language, ISO 8601 (2026-12-06) among them.

A week starts on the language's ``FIRST_DAY_OF_WEEK`` (Django's numbering: 0 Sunday, 1 Monday);
``week_order`` and ``week_start`` give it in Python's numbering (0 Monday ... 6 Sunday) for
whatever lists days of the week or cuts time into weeks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext as _

# How each shape is spelled to a person filling a box in.
_HINTS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "hh", "%M": "mm", "%S": "ss"}


def first_weekday() -> int:
    """The language's first day of the week, as Python numbers days (0 Monday ... 6 Sunday)."""
    return (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def week_order() -> list[int]:
    """The seven days (0 Monday ... 6 Sunday) in the order the language lists them."""
    first = first_weekday()
    return [(first + i) % 7 for i in range(7)]


def week_start(day: dt.date) -> dt.date:
    """The first day of the language's week holding ``day``."""
    return day - dt.timedelta(days=(day.weekday() - first_weekday()) % 7)


def shape_hint(python_format: str) -> str:
    """``"%Y-%m-%d"`` -> ``"YYYY-MM-DD"``."""
    for code, hint in _HINTS.items():
        python_format = python_format.replace(code, hint)
    return python_format


# The ISO 8601 shape every form also accepts, given in the hint beside the language's own.
_ISO = {"DATE_INPUT_FORMATS": "%Y-%m-%d", "DATETIME_INPUT_FORMATS": "%Y-%m-%d %H:%M"}


class _Shaped:
    format_key = ""

    def _shape(self) -> str:
        return str(get_format(self.format_key)[0])

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        widget = context["widget"]
        hint = shape_hint(self._shape())
        widget["attrs"].setdefault("placeholder", hint)
        iso = shape_hint(_ISO[self.format_key])
        title = _("Format: %(shape)s") % {"shape": hint}
        if iso != hint:
            title = _("Format: %(shape)s (or %(iso)s)") % {"shape": hint, "iso": iso}
        widget["attrs"].setdefault("title", title)
        widget["attrs"].setdefault("inputmode", "numeric")
        return context


class DateInput(_Shaped, forms.DateInput):
    """A date in the language's shape (``DATE_INPUT_FORMATS``' first), e.g. 06/12/2026."""

    format_key = "DATE_INPUT_FORMATS"
    input_type = "text"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            return value.strftime(self._shape())
        return super().format_value(value)


class DateTimeInput(_Shaped, forms.DateTimeInput):
    """A date and time in the language's shape, e.g. 06/12/2026 14:30."""

    format_key = "DATETIME_INPUT_FORMATS"
    input_type = "text"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            from django.utils import timezone

            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime(self._shape())
        return super().format_value(value)
