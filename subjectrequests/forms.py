"""Forms of the data-subject request pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ilp_platform.web.dates import DateInput
from subjectrequests.choices import Decision, Ground, RequestKind
from subjectrequests.models import SubjectRequest


class RequestForm(forms.ModelForm):
    class Meta:
        model = SubjectRequest
        fields = [
            "kind",
            "subject_name",
            "other_names",
            "date_of_birth",
            "identifiers",
            "details",
            "authority_reference",
            "received_on",
            "identity_method",
            "identity_checked_by",
            "identity_checked_on",
        ]
        widgets = {
            "kind": forms.Select(attrs={"class": "form-select"}),
            "subject_name": forms.TextInput(attrs={"class": "form-control"}),
            "other_names": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
            "date_of_birth": DateInput(),
            "identifiers": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
            "details": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "authority_reference": forms.TextInput(attrs={"class": "form-control"}),
            "received_on": DateInput(),
            "identity_method": forms.TextInput(attrs={"class": "form-control"}),
            "identity_checked_by": forms.TextInput(attrs={"class": "form-control"}),
            "identity_checked_on": DateInput(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", "---------"), *RequestKind.choices]


class DecisionForm(forms.Form):
    hit = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    ground = forms.ChoiceField(
        label=_("Art. 15(1) ground"),
        choices=[("", "---------"), *Ground.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    review_on = forms.DateField(
        label=_("Review by"),
        required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )
    neutral = forms.BooleanField(
        label=_("Neutral reply (telling would itself harm)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class RectifyForm(forms.Form):
    hit = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Corrected name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    date_of_birth = forms.DateField(
        label=_("Corrected date of birth"),
        required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )
    description = forms.CharField(
        label=_("Corrected description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
    )

    def changes(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("name", "date_of_birth", "description") if data.get(k)}


class EraseForm(forms.Form):
    hit = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
