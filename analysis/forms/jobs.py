"""The browser form that requests an analysis job: the fields of one kind, built from the
parameters it declares (``analysis.kinds``) and the common ones (``analysis.services.jobs``).

The form only gathers input into a parameters dict; ``analysis.services.jobs.clean_params``
decides what is valid and its errors come back beside the fields of the same name.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.kinds import params as p
from analysis.kinds.registry import Kind
from analysis.services.jobs import params_of
from ilp_platform.accounts.models import Compartment
from ilp_platform.web.dates import DateInput
from ilp_platform.web.forms import RestrictedFormMixin, restrict_choices
from intelligence.models import CrimeType
from intelligence.pickers import PickerWidget

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECKS = {"class": "list-unstyled mb-0"}


def _field(param: p.Param) -> forms.Field:
    """The form field of one declared parameter: labelled and explained as declared."""
    common = {"label": param.label, "required": False, "help_text": param.help}
    if param.type == p.ENTITY:
        return forms.IntegerField(widget=PickerWidget("entity"), **common)
    if param.type == p.ENTITIES:
        return forms.CharField(widget=PickerWidget("entity", multiple=True), **common)
    if param.type in (p.NUMBER, p.INTEGER):
        number = param.type == p.NUMBER
        field_class = forms.FloatField if number else forms.IntegerField
        attrs = {**_TEXT, "step": "any"} if number else _TEXT
        return field_class(widget=forms.NumberInput(attrs=attrs), **common)
    if param.type == p.CHOICE:
        widget = forms.Select(attrs=_SELECT)
        return forms.ChoiceField(choices=param.choices, widget=widget, **common)
    if param.type == p.BOOLEAN:
        return forms.BooleanField(initial=param.default, **common)
    if param.type == p.DATE:
        widget = DateInput(attrs=_TEXT)
        return forms.DateField(widget=widget, **common)
    if param.type == p.COMPARTMENTS:
        widget = forms.CheckboxSelectMultiple(attrs=_CHECKS)
        return forms.MultipleChoiceField(widget=widget, **common)
    if param.type == p.CRIME_TYPES:
        widget = forms.SelectMultiple(attrs={**_SELECT, "size": 6})
        return forms.MultipleChoiceField(widget=widget, **common)
    if param.type == p.POLYGON:
        return forms.CharField(widget=forms.Textarea(attrs={**_TEXT, "rows": 2}), **common)
    # Lists and boxes are typed as text: "100, 200, 300".
    attrs = {**_TEXT, "placeholder": param.example} if param.example else _TEXT
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


class JobForm(RestrictedFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("A name to find the job by later, e.g. 'Burglary hotspots, Easton, Q3'."),
    )

    def __init__(self, *args, user, kind: Kind, **kwargs):
        self.kind = kind
        self.declared = params_of(kind)
        super().__init__(*args, user=user, **kwargs)
        for param in self.declared:
            field = self.fields[param.name] = _field(param)
            if param.type != p.BOOLEAN and param.default is not None:
                default = param.default
                field.initial = (
                    ", ".join(str(v) for v in default) if isinstance(default, list) else default
                )
        self.fields["compartments"].choices = [
            (c.slug, c.name) for c in Compartment.objects.visible_to(user).order_by("name")
        ]
        self.fields["crime_types"].choices = [
            (ct.slug, ct.name) for ct in CrimeType.objects.filter(is_active=True)
        ]
        restrict_choices(self, user)  # the pickers added above name records for this person

    def params(self) -> dict:
        """The parameters for the service: only what was filled in (defaults apply otherwise);
        a box that is not ticked is ``false``."""
        data = self.cleaned_data
        params = {}
        for param in self.declared:
            value = data.get(param.name)
            if param.type == p.BOOLEAN:
                params[param.name] = bool(value)
            elif value in (None, "", []):
                continue
            elif hasattr(value, "isoformat"):
                params[param.name] = value.isoformat()
            else:
                params[param.name] = value
        return params

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message if target else f"{field}: {message}")
