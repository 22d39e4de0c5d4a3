import re

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from ilp_platform.web.dates import DateInput
from oversight.search import object_type_choices

# An object type as the log writes it ("app.model"): a link from a row may name one that is not
# a model (a sign-in, a setting), kept as a choice in its own spelling.
_LOGGED_TYPE = re.compile(r"^[a-z_]{1,50}\.[a-z_]{1,50}$")


class EventFilterForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=200,
        help_text=_("A report URN, product number, incident reference or meeting title."),
        # The help is read out (aria-describedby) and shown on hover: the filters stay in line.
        widget=forms.TextInput(
            attrs={
                "placeholder": _("URN, product no., meeting"),
                "aria-describedby": "id_reference_help",
                "title": _("A report URN, product number, incident reference or meeting title."),
            }
        ),
    )
    purpose = forms.CharField(
        label=_("Done for"),
        required=False,
        max_length=60,
        help_text=_("An operation's reference, or operation:12, requirement:5, tasking:7."),
        widget=forms.TextInput(
            attrs={
                "placeholder": _("operation reference"),
                "title": _("An operation's reference, or operation:12, requirement:5, tasking:7."),
            }
        ),
    )
    actor = forms.CharField(
        label=_("Person (name or username)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any"))] + list(Action.choices)
    )
    object_type = forms.ChoiceField(label=_("Kind of record"), required=False, choices=())
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    compartment = forms.CharField(label=_("Compartment"), required=False, max_length=60)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Any")), *object_type_choices()]
        typed = (self.data.get("object_type") or "").strip() if self.is_bound else ""
        if typed and typed not in dict(choices) and _LOGGED_TYPE.match(typed):
            choices.append((typed, typed))
        field = self.fields["object_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def params(self) -> dict:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}
