"""List filters (django-filter) that keep to the reference rule.

Every filter offering records as choices (``ModelChoiceFilter``, ``ModelMultipleChoiceFilter``,
and those django-filter builds for a foreign key named in ``filterset_fields``) draws them
through ``visible_to(request.user)``: a record the person may not see is neither listed in the
browsable API's or a page's choices nor accepted as a value (it answers "select a valid choice",
as a missing one does). Method filters read ``self.reader`` and restrict their subqueries.

Values are checked strictly, and an error names the parameter: an unknown value of a choice
filter answers "is not one of the accepted values: ..." listing them (400 on the API), a
yes/no filter (:class:`StrictBooleanFilter`) takes true/false (or 1/0, yes/no, on/off) and
nothing else. An empty value is the same as leaving the filter out.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext, gettext_lazy
from django_filters import rest_framework as drf_filters
from django_filters.filters import QuerySetRequestMixin

from ilp_platform.core import references

TRUE_VALUES = ("true", "1", "yes", "y", "t", "on")
FALSE_VALUES = ("false", "0", "no", "n", "f", "off")


class StrictBooleanField(forms.Field):
    """A yes/no value that refuses anything else (Django's NullBooleanField reads an unknown
    value as "no filter", so a typo would silently list everything)."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "“%(value)s” is not one of the accepted values: true, false (or 1, 0)."
        )
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(
            self.error_messages["invalid"], code="invalid", params={"value": value}
        )


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter: true/false (1/0, yes/no, on/off); anything else is refused."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def accepted_values(field) -> list[str]:
    """The values a choice field accepts, without its empty choice."""
    values: list[str] = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # a group of choices
            values.extend(str(v) for v, _label in label)
        elif value not in ("", None):
            values.append(str(value))
    return values


def _name_accepted_values(flt) -> None:
    field = flt.field
    accepted = ", ".join(accepted_values(field)).replace("%", "%%")
    message = gettext("“%(value)s” is not one of the accepted values: %(accepted)s.")
    field.error_messages["invalid_choice"] = message.replace("%(accepted)s", accepted)


def _visible_choices(model):
    def queryset(request):
        user = getattr(request, "user", None)
        return model._default_manager.get_queryset().visible_to(user)

    return queryset


class RestrictedFilterSetMixin:
    # Set by django-filter's FilterSet, which this mixin goes with.
    request: Any
    queryset: Any
    filters: dict[str, Any]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader = getattr(self.request, "user", None)
        if self.reader is None:
            # No request (a filter set built in code): the reader the queryset was fetched for.
            reader = getattr(self.queryset, "_reader", references.UNSET)
            self.reader = None if reader is references.UNSET else reader
        for flt in self.filters.values():
            if not isinstance(flt, QuerySetRequestMixin):
                continue
            queryset = flt.queryset
            model = getattr(queryset, "model", None) if not callable(queryset) else None
            if model is None:
                model = getattr(flt, "model", None) or getattr(
                    flt.extra.get("queryset"), "model", None
                )
            if model is not None and references.is_restricted(model):
                flt.queryset = _visible_choices(model)
        for flt in self.filters.values():
            # Fixed choices only: a record filter does not list the records it accepts.
            if isinstance(
                flt, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter
            ) and not isinstance(flt, QuerySetRequestMixin | django_filters.AllValuesFilter):
                _name_accepted_values(flt)

    def visible(self, model):
        """``model``'s records the person filtering may see (for method filters' subqueries)."""
        return model._default_manager.get_queryset().visible_to(self.reader)


class RestrictedFilterSet(RestrictedFilterSetMixin, django_filters.FilterSet):
    """The base of every filter set of the platform (pages)."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_readers_bound", False):
            # A widget that names records (a picker) draws their labels for this person only.
            for field in form.fields.values():
                bind = getattr(field.widget, "bind_reader", None)
                if callable(bind) and self.reader is not None:
                    bind(self.reader)
            form._readers_bound = True
        return form


class RestrictedAPIFilterSet(RestrictedFilterSetMixin, drf_filters.FilterSet):
    """The base of every filter set of the API."""


class RestrictedFilterBackend(drf_filters.DjangoFilterBackend):
    """The API's filter backend: filter sets built from ``filterset_fields`` keep the rule."""

    filterset_base = RestrictedAPIFilterSet
