"""The evaluation queue's own filters, and the bulk bar of the report lists.

The bulk bar is one plain form: the rows' checkboxes belong to it (``form=`` attribute), so it
works without JavaScript; a "select all on this page" box stands for the ids of the page shown.
The services decide what may be done and say why not; this form only parses the request.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ilp_platform.web.dates import DateInput
from intelligence import selectors
from intelligence.filters import ReportFilter
from intelligence.services.evaluation_queue import BULK_LIMIT

_SELECT = {"class": "form-select form-select-sm"}
_INPUT = {"class": "form-control form-control-sm"}
# A report id as a path or a form carries it: digits, within the database's integer range.
_ID = re.compile(r"[0-9]{1,19}")
ID_MAX = 2**63 - 1
# The assignee choice that clears an assignment.
NOBODY = "nobody"


class EvaluationQueueFilter(ReportFilter):
    """The report filters, plus who the report is assigned to and whether to show the reports
    deferred to a later day."""

    assigned = django_filters.ChoiceFilter(
        label=_("Assigned"),
        choices=[("me", _("To me")), (NOBODY, _("To nobody"))],
        empty_label=_("To anyone or nobody"),
        method="filter_assigned",
        widget=forms.Select(attrs=_SELECT),
    )
    deferred = django_filters.ChoiceFilter(
        label=_("Deferred reports"),
        choices=[
            (selectors.DEFERRED_INCLUDE, _("Included")),
            (selectors.DEFERRED_ONLY, _("Only these")),
        ],
        empty_label=_("Not shown until their day"),
        # The view applies it, after the other filters: its default (nothing chosen) hides
        # them, which a filter method, called only for a value, could not do.
        method="applied_by_the_view",
        widget=forms.Select(attrs=_SELECT),
    )

    class Meta(ReportFilter.Meta):
        fields = [*ReportFilter.Meta.fields, "assigned", "deferred"]

    def filter_assigned(self, queryset, name, value):
        if value == NOBODY:
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to=getattr(self.reader, "pk", None))

    def applied_by_the_view(self, queryset, name, value):
        return queryset


class ReportIdsField(forms.Field):
    """Report ids, as many as ticked (each a whole number the database can hold)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("%(value)s is not a report id.")}

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in values:
            text = str(item).strip()
            if not _ID.fullmatch(text) or not 0 < int(text) <= ID_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": text[:30]}
                )
            ids.append(int(text))
        return list(dict.fromkeys(ids))


class ReportBulkForm(forms.Form):
    """What the bulk bar posts: the action, the reports ticked (or every report of the page),
    and the action's own fields. ``actions`` names those the list offers."""

    ACTION_LABELS = {
        "assign": _("Assign"),
        "defer": _("Evaluate later"),
        "export": _("Export selected"),
    }

    action = forms.ChoiceField(label=_("Action"), choices=())
    reports = ReportIdsField(required=False)
    all_shown = forms.BooleanField(
        label=_("Select all on this page"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-bulk-all": "1"}),
    )
    shown = ReportIdsField(required=False)
    assignee = forms.ChoiceField(
        label=_("Assign to"),
        required=False,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Evaluators who hold at least one of your compartments."),
    )
    until = forms.DateField(
        label=_("Evaluate on"),
        required=False,
        widget=DateInput(attrs={**_INPUT, "size": 10, "data-bulk-submit": "defer"}),
        help_text=_("The reports leave the queue until this day."),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs=_INPUT),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, actions, evaluators=None, **kwargs):
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["action"].choices = [(a, self.ACTION_LABELS[a]) for a in actions]
        if "assign" in actions:
            self.evaluators = (
                evaluators if evaluators is not None else selectors.assignable_evaluators(user)
            )
            self.fields["assignee"].choices = [
                ("", _("Choose an evaluator")),
                *(
                    (str(e.user.pk), f"{e.user} ({', '.join(e.compartments)})")
                    for e in self.evaluators
                ),
                (NOBODY, _("Nobody (clear the assignment)")),
            ]
        else:
            self.evaluators = []
            for name in ("assignee", "until", "reason"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        ids = list(data.get("reports") or [])
        if data.get("all_shown"):
            ids += data.get("shown") or []
        data["selected"] = list(dict.fromkeys(ids))
        if "reports" in self.errors or "shown" in self.errors:
            return data
        if not data["selected"]:
            self.add_error(None, _("Tick the reports to act on, or select all on this page."))
        elif len(data["selected"]) > BULK_LIMIT:
            self.add_error(
                None,
                _("Choose at most %(limit)s reports at a time.") % {"limit": BULK_LIMIT},
            )
        action = data.get("action")
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose who is to evaluate them."))
        if action == "defer" and not data.get("until") and "until" not in self.errors:
            self.add_error("until", _("Give the day on which to evaluate them."))
        return data

    def assignee_user(self):
        """The person chosen (None: nobody), one of those offered."""
        value = self.cleaned_data.get("assignee")
        if value == NOBODY:
            return None
        return next(e.user for e in self.evaluators if str(e.user.pk) == value)

    def back_query(self) -> str:
        """The list's query string to return to (filters, sort, page); never an address."""
        params = QueryDict(str(self.data.get("next") or ""), mutable=True)
        params.pop("export", None)
        return params.urlencode()
