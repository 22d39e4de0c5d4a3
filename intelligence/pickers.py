"""Pickers: typeahead boxes in place of typed database ids and URN lists.

:class:`PickerWidget` renders a text box holding the value the form receives (an id, a URN, or
a list of them ``separated by commas or spaces``) and the chosen records' labels beside it.
``static/js/pickers.js`` turns it into a labelled combobox that looks records up as the person
types (``GET /api/v1/lookup/``: the same ``visible_to`` rule and the same search event as every
other look-up) and keeps the box's value in step with the choice. Without JavaScript the box
stays a plain text box: typing the id or the URNs still works, and the form validates exactly
as before.

The labels of a value shown again (after an error, or a record chosen for the person) come
from ``intelligence.lookup.describe``: only records the person may see are named; anything
else is shown as typed, never with a name. The form binds the person to the widget through
``RestrictedFormMixin`` (``bind_reader``); an unbound widget names nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.loader import get_template
from django.urls import reverse

from ilp_platform.core.errors import MisuseError
from ilp_platform.core.separators import join_list, split_list
from intelligence import lookup

_TEXT = "form-control"


class PickerWidget(forms.TextInput):
    """A typeahead for records of one lookup ``kind`` (``entity``, ``report``, ...).

    ``multiple``: the value is a list (ids or URNs separated by commas or spaces).
    """

    template_name = "intelligence/widgets/picker.html"

    def __init__(self, kind: str, *, multiple: bool = False, attrs: dict | None = None):
        if kind not in lookup.KINDS:
            raise MisuseError(f"no lookup kind {kind!r}")
        attrs = {"class": _TEXT, **(attrs or {})}
        attrs.setdefault("autocomplete", "off")
        attrs.setdefault("spellcheck", "false")
        super().__init__(attrs=attrs)
        self.kind = kind
        self.multiple = multiple
        self.reader: Any = None

    def bind_reader(self, user: Any) -> None:
        """The person filling the form in: labels are drawn for them (``RestrictedFormMixin``
        calls this)."""
        self.reader = user

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            value = join_list(value)
        return super().format_value(value)

    def chosen(self, value: str | None) -> list[dict[str, Any]]:
        """What the box holds, each part with its label when the person may see its record."""
        parts = split_list(value) if self.multiple else ([value.strip()] if value else [])
        parts = [p for p in parts if p]
        labels = lookup.describe(self.reader, self.kind, parts) if self.reader else {}
        items = []
        for part in dict.fromkeys(parts):
            known = labels.get(part)
            items.append(
                {
                    "value": part,
                    "label": known["label"] if known else part,
                    "detail": known["detail"] if known else "",
                    "known": bool(known),
                }
            )
        return items

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget.update(
            {
                "kind": self.kind,
                "multiple": self.multiple,
                "url": reverse("lookup"),
                "min_query": lookup.MIN_QUERY,
                "value_field": lookup.VALUE_FIELD.get(self.kind, "id"),
                "chosen": self.chosen(widget["value"]),
            }
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's template engine (the picker's template sits with the others).
        # (a rendered template is already safe: every value in it was escaped)
        return get_template(template_name).render(context)
