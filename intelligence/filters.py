"""Filters shared by the pages and the API (django-filter), applied after ``visible_to``."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from ilp_platform.web.dates import DateInput
from ilp_platform.web.filters import RestrictedFilterSet
from intelligence.choices import (
    EntityKind,
    GradingScheme,
    LinkKind,
    LinkStrength,
    ReportStatus,
    SourceType,
)
from intelligence.models import CrimeType, Entity, Incident, Link, Report, ReportEntity, Source
from intelligence.pickers import PickerWidget

_SELECT = {"class": "form-select form-select-sm"}
_INPUT = {"class": "form-control form-control-sm"}
_DATE = {"class": "form-control form-control-sm"}


class WholeNumberField(forms.IntegerField):
    """Digits only (Django's own field also takes ``5.0``, ``1_0``, `` 5`` or non-ASCII
    digits, which the API's schema, a plain integer, does not)."""

    def to_python(self, value):
        if value not in self.empty_values and not (
            str(value).isascii() and re.fullmatch(r"[+-]?[0-9]+", str(value))
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number the database can hold (not any decimal), else a 400."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ReportFilter(RestrictedFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReportStatus.choices, widget=forms.Select(attrs=_SELECT)
    )
    grading_scheme = django_filters.ChoiceFilter(
        label=_("Scheme"), choices=GradingScheme.choices, widget=forms.Select(attrs=_SELECT)
    )
    source_evaluation = django_filters.CharFilter(
        label=_("Source grade"), widget=forms.TextInput(attrs={**_INPUT, "size": 3})
    )
    intelligence_assessment = django_filters.CharFilter(
        label=_("Intelligence grade"), widget=forms.TextInput(attrs={**_INPUT, "size": 3})
    )
    handling_code = django_filters.CharFilter(
        label=_("Handling code"), widget=forms.TextInput(attrs={**_INPUT, "size": 3})
    )
    compartment = django_filters.CharFilter(
        label=_("Compartment"), field_name="compartment__slug", widget=forms.TextInput(attrs=_INPUT)
    )
    crime_type = django_filters.CharFilter(
        label=_("Crime type"), method="filter_crime_type", widget=forms.TextInput(attrs=_INPUT)
    )
    # A typeahead (its id still typed works): the reports naming the entity chosen.
    entity = IdFilter(
        label=_("Entity"), method="filter_entity", widget=PickerWidget("entity", attrs=_INPUT)
    )
    occurred_after = django_filters.DateFilter(
        label=_("Occurred on or after"), method="filter_after", widget=DateInput(attrs=_DATE)
    )
    occurred_before = django_filters.DateFilter(
        label=_("Occurred on or before"),
        method="filter_before",
        widget=DateInput(attrs=_DATE),
    )
    urn = django_filters.CharFilter(label=_("URN"), widget=forms.TextInput(attrs=_INPUT))

    class Meta:
        model = Report
        fields = [
            "status",
            "grading_scheme",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "compartment",
            "crime_type",
            "entity",
            "occurred_after",
            "occurred_before",
            "urn",
        ]

    def filter_crime_type(self, queryset, name, value):
        # A semi-join, so a report tagged twice is not listed twice.
        return queryset.filter(
            id__in=Report.crime_types.through.objects.filter(crimetype__slug=value).values(
                "report_id"
            )
        )

    def filter_entity(self, queryset, name, value):
        # Mentions the person may see only: an entity of a compartment they do not hold
        # matches nothing, as a missing one does.
        return queryset.filter(
            id__in=self.visible(ReportEntity).filter(entity_id=value).values("report_id")
        )

    def filter_after(self, queryset, name, value):
        return queryset.filter(
            Q(occurred_at__date__gte=value)
            | Q(occurred_at__isnull=True, occurred_from__date__gte=value)
        )

    def filter_before(self, queryset, name, value):
        return queryset.filter(
            Q(occurred_at__date__lte=value)
            | Q(occurred_at__isnull=True, occurred_from__date__lte=value)
        )


class SourceFilter(RestrictedFilterSet):
    reference = django_filters.CharFilter(
        label=_("Reference"), lookup_expr="icontains", widget=forms.TextInput(attrs=_INPUT)
    )
    source_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=SourceType.choices, widget=forms.Select(attrs=_SELECT)
    )

    class Meta:
        model = Source
        fields = ["reference", "source_type"]


class EntityFilter(RestrictedFilterSet):
    q = django_filters.CharFilter(
        label=_("Name or identifier"), method="filter_q", widget=forms.TextInput(attrs=_INPUT)
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=EntityKind.choices, widget=forms.Select(attrs=_SELECT)
    )

    class Meta:
        model = Entity
        fields = ["q", "kind"]

    def filter_q(self, queryset, name, value):
        from intelligence.models import Identifier
        from intelligence.models.entities import normalise_name

        key = normalise_name(value)
        value = value.strip()
        return queryset.filter(
            Q(name_key__contains=key)
            | Q(id__in=Identifier.objects.filter(value__icontains=value).values("entity_id"))
        )


class LinkFilter(RestrictedFilterSet):
    entity = IdFilter(label=_("Entity id"), method="filter_entity")
    kind = django_filters.ChoiceFilter(choices=LinkKind.choices)
    strength = django_filters.ChoiceFilter(choices=LinkStrength.choices)

    class Meta:
        model = Link
        fields = ["entity", "kind", "strength"]

    def filter_entity(self, queryset, name, value):
        return queryset.filter(Q(from_entity_id=value) | Q(to_entity_id=value))


class IncidentFilter(RestrictedFilterSet):
    reference = django_filters.CharFilter(
        label=_("Reference"), widget=forms.TextInput(attrs=_INPUT)
    )
    crime_type = django_filters.ModelChoiceFilter(
        label=_("Crime type"),
        field_name="crime_type",
        to_field_name="slug",
        queryset=CrimeType.objects.all(),
        widget=forms.Select(attrs=_SELECT),
    )
    occurred_after = django_filters.DateFilter(
        label=_("From"), method="filter_after", widget=DateInput(attrs=_DATE)
    )
    occurred_before = django_filters.DateFilter(
        label=_("To"), method="filter_before", widget=DateInput(attrs=_DATE)
    )

    class Meta:
        model = Incident
        fields = ["reference", "crime_type", "occurred_after", "occurred_before"]

    # Whole-day bounds as aware datetimes, so the occurred_from index serves the range.
    def filter_after(self, queryset, name, value):
        return queryset.filter(occurred_from__gte=_day_start(value))

    def filter_before(self, queryset, name, value):
        return queryset.filter(occurred_from__lt=_day_start(value + timedelta(days=1)))


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))
