"""Date and time boxes in the language's one date shape (``ilp_platform/formats``).

A browser's own date box (``type="date"``) shows the date in the browser's locale
(mm/dd/yyyy in a US-English browser) whatever the page's language, so a person would meet a
second shape in forms. These are text boxes holding the date as the pages show it, with the
shape as a hint; the form accepts the shapes of ``DATE_INPUT_FORMATS`` for the language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext as _

# How each shape is spelled to a person filling a box in.
_HINTS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "hh", "%M": "mm", "%S": "ss"}


def shape_hint(python_format: str) -> str:
    """``"%Y-%m-%d"`` -> ``"YYYY-MM-DD"``."""
    for code, hint in _HINTS.items():
        python_format = python_format.replace(code, hint)
    return python_format


class _Shaped:
    format_key = ""

    def _shape(self) -> str:
        return str(get_format(self.format_key)[0])

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        widget = context["widget"]
        hint = shape_hint(self._shape())
        widget["attrs"].setdefault("placeholder", hint)
        widget["attrs"].setdefault("title", _("Format: %(shape)s") % {"shape": hint})
        widget["attrs"].setdefault("inputmode", "numeric")
        return context


class DateInput(_Shaped, forms.DateInput):
    """A date in the language's shape (``DATE_INPUT_FORMATS``' first), e.g. 2026-12-06."""

    format_key = "DATE_INPUT_FORMATS"
    input_type = "text"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            return value.strftime(self._shape())
        return super().format_value(value)


class DateTimeInput(_Shaped, forms.DateTimeInput):
    """A date and time in the language's shape, e.g. 2026-12-06 14:30."""

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
