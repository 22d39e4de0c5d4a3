from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.models import AnalysisJob, Product
from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import User
from ilp_platform.core.separators import split_list
from ilp_platform.web.dates import DateInput
from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from intelligence.models import Entity, Report
from intelligence.pickers import PickerWidget
from operations.models import Operation
from tasking.choices import ACTIVE_TASKING_STATUSES, PriorityStatus, RequirementStatus
from tasking.models import Priority, Requirement, Tasking

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
# How many records of a kind a choice list offers (the most recent).
CHOICES = 200


def _workers():
    """Active analysts and managers: who may lead or work an operation."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.ANALYST, Role.MANAGER])
        .distinct()
        .order_by("username")
    )


class UserListField(forms.CharField):
    """People named by username or id, separated by commas or spaces."""

    def clean(self, value):
        value = super().clean(value)
        names = split_list(value or "")
        if not names:
            return []
        people = _workers()
        found = {str(u.pk): u for u in people.filter(pk__in=[n for n in names if n.isdigit()])}
        found.update({u.username.lower(): u for u in people.filter(username__in=names)})
        missing = [n for n in names if n.lower() not in found and n not in found]
        if missing:
            raise forms.ValidationError(
                _("No analyst or manager is called %(names)s.") % {"names": ", ".join(missing)}
            )
        return list({u.pk: u for u in (found.get(n) or found[n.lower()] for n in names)}.values())


class OperationForm(RestrictedFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "OP-2026-004"}),
        help_text=_("Unique: the reference people will type in their justifications."),
    )
    objectives = forms.CharField(
        label=_("Objectives"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )
    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=User.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    team = UserListField(
        label=_("Team"),
        required=False,
        widget=PickerWidget("user", multiple=True),
        help_text=_("Type part of a name and choose; or usernames separated by commas or spaces."),
    )
    compartment = CompartmentChoiceField(
        help_text=_("Who may see the operation: the people holding this compartment.")
    )
    priorities = forms.ModelMultipleChoiceField(
        label=_("Serves the priorities"),
        queryset=Priority.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requirements = forms.ModelMultipleChoiceField(
        label=_("Answers the requirements"),
        queryset=Requirement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, instance: Operation | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "reference": instance.reference,
                    "objectives": instance.objectives,
                    "lead": instance.lead_id,
                    "team": " ".join(instance.team.values_list("username", flat=True)),
                    "compartment": instance.compartment_id,
                    "priorities": list(instance.priorities.values_list("pk", flat=True)),
                    "requirements": list(instance.requirements.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, user=user, **kwargs)
        self.fields["lead"].queryset = _workers()
        if instance is None and not self.is_bound:
            self.initial.setdefault("lead", user.pk)
        self.fields["compartment"].restrict_to(user)
        if instance is not None:
            self.fields["compartment"].initial = instance.compartment_id
        self.fields["priorities"].queryset = _recent(
            Priority,
            user,
            "tasking.view_priority",
            status__in=[s for s in PriorityStatus.values if s != PriorityStatus.REJECTED],
        )
        self.fields["requirements"].queryset = _recent(
            Requirement, user, "tasking.view_requirement", status=RequirementStatus.OPEN
        )


def _recent(model, user, perm, **filters):
    """The most recent visible records of a kind, as a queryset a choice field can filter."""
    if not user.has_perm(perm):
        return model.objects.none()
    visible = model.objects.visible_to(user)
    ids = list(visible.filter(**filters).order_by("-id").values_list("pk", flat=True)[:CHOICES])
    return visible.filter(pk__in=ids).order_by("-id")


KINDS = ("reports", "entities", "taskings", "jobs", "products")


class GatherForm(RestrictedFormMixin, forms.Form):
    """Records to add to an operation: reports and entities by typeahead, the rest chosen."""

    reports = forms.CharField(
        label=_("Reports"),
        required=False,
        widget=PickerWidget("report", multiple=True),
        help_text=_("Type part of a URN and choose; or URNs separated by commas or spaces."),
    )
    entities = forms.CharField(
        label=_("Entities"),
        required=False,
        widget=PickerWidget("entity", multiple=True),
        help_text=_("Type part of a name and choose; or ids separated by commas or spaces."),
    )
    taskings = forms.ModelMultipleChoiceField(
        label=_("Taskings"),
        queryset=Tasking.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )

    jobs = forms.ModelMultipleChoiceField(
        label=_("Analyses"),
        queryset=AnalysisJob.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["taskings"].queryset = _recent(
            Tasking, user, "tasking.view_tasking", status__in=ACTIVE_TASKING_STATUSES
        )
        self.fields["jobs"].queryset = _recent(AnalysisJob, user, "analysis.view_analysisjob")
        self.fields["products"].queryset = _recent(Product, user, "analysis.view_product")

    def clean_reports(self) -> list[Report]:
        urns = [u.upper() for u in split_list(self.cleaned_data.get("reports") or "")]
        if not urns:
            return []
        found = {r.urn: r for r in Report.objects.visible_to(self.user).filter(urn__in=urns)}
        missing = [u for u in urns if u not in found]
        if missing:
            raise forms.ValidationError(
                _("No report visible to you has the URN %(urns)s.") % {"urns": ", ".join(missing)}
            )
        return list(found.values())

    def clean_entities(self) -> list[Entity]:
        values = split_list(self.cleaned_data.get("entities") or "")
        if not values:
            return []
        bad = [v for v in values if not v.isdigit()]
        ids = {int(v) for v in values if v.isdigit()}
        found = list(Entity.objects.visible_to(self.user).filter(pk__in=ids))
        missing = bad + [str(pk) for pk in sorted(ids - {e.pk for e in found})]
        if missing:
            raise forms.ValidationError(
                _("No entity visible to you has the id %(ids)s.") % {"ids": ", ".join(missing)}
            )
        return found

    def clean(self):
        data = super().clean() or {}
        if not self.errors and not any(data.get(k) for k in KINDS):
            raise forms.ValidationError(_("Choose at least one record to add."))
        return data


class TimelineForm(forms.Form):
    """The timeline's filters: kinds of item and a period (dates in the language's shape)."""

    kind = forms.MultipleChoiceField(
        label=_("Show"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = kinds

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return data


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )


class ChartForm(forms.Form):
    """A new link chart of the operation: its title (the entities are placed on its page)."""

    title = forms.CharField(label=_("Title"), max_length=120, widget=forms.TextInput(attrs=_TEXT))


class ChartStartForm(RestrictedFormMixin, forms.Form):
    """The entity a chart starts from (or one more to place), picked by typing its name."""

    entity = forms.CharField(
        label=_("Entity"),
        required=False,
        widget=PickerWidget("entity", attrs={"placeholder": _("Type part of a name…")}),
    )
