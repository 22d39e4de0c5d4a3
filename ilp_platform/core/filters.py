"""List filters (django-filter) that keep to the reference rule.

Every filter offering records as choices (``ModelChoiceFilter``, ``ModelMultipleChoiceFilter``,
and those django-filter builds for a foreign key named in ``filterset_fields``) draws them
through ``visible_to(request.user)``: a record the person may not see is neither listed in the
browsable API's or a page's choices nor accepted as a value (it answers "select a valid choice",
as a missing one does). Method filters read ``self.reader`` and restrict their subqueries.
"""

from __future__ import annotations

import django_filters
from django_filters import rest_framework as drf_filters
from django_filters.filters import QuerySetRequestMixin

from ilp_platform.core import references


def _visible_choices(model):
    def queryset(request):
        user = getattr(request, "user", None)
        return model._default_manager.get_queryset().visible_to(user)

    return queryset


class RestrictedFilterSetMixin:
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

    def visible(self, model):
        """``model``'s records the person filtering may see (for method filters' subqueries)."""
        return model._default_manager.get_queryset().visible_to(self.reader)


class RestrictedFilterSet(RestrictedFilterSetMixin, django_filters.FilterSet):
    """The base of every filter set of the platform (pages)."""


class RestrictedAPIFilterSet(RestrictedFilterSetMixin, drf_filters.FilterSet):
    """The base of every filter set of the API."""


class RestrictedFilterBackend(drf_filters.DjangoFilterBackend):
    """The API's filter backend: filter sets built from ``filterset_fields`` keep the rule."""

    filterset_base = RestrictedAPIFilterSet
