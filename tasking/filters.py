"""The decision log's search and filters: one filter set for the page, its CSV export and the
API (``ilp_platform.web.filters``: record choices drawn through ``visible_to``)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ilp_platform.accounts.models import User
from ilp_platform.web.dates import DateInput
from ilp_platform.web.filters import RestrictedFilterSet
from tasking.choices import DecisionSubject
from tasking.models import Decision, Meeting

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class DecisionFilter(RestrictedFilterSet):
    q = django_filters.CharFilter(
        label=_("Search decisions and rationale"),
        method="filter_q",
        widget=forms.TextInput(attrs={**_TEXT, "type": "search"}),
    )
    meeting = django_filters.ModelChoiceFilter(
        label=_("Meeting"),
        queryset=Meeting.objects.all(),
        widget=forms.Select(attrs=_SELECT),
    )
    subject_kind = django_filters.ChoiceFilter(
        label=_("About"),
        choices=DecisionSubject.choices,
        empty_label=_("Anything"),
        widget=forms.Select(attrs=_SELECT),
    )
    decided_by = django_filters.ModelChoiceFilter(
        label=_("Decided by"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        widget=forms.Select(attrs=_SELECT),
    )
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="decided_at",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    until = django_filters.DateFilter(
        label=_("To"),
        field_name="decided_at",
        lookup_expr="date__lte",
        widget=DateInput(),
    )

    class Meta:
        model = Decision
        fields = ["q", "meeting", "subject_kind", "decided_by", "since", "until"]

    def filter_q(self, queryset, name, value):
        return queryset.matching(value)

    def active(self) -> dict:
        """The filters in force, as the audit event records them."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.form.cleaned_data.items() if v not in (None, "")}
