from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dataprotection.choices import PackSubject, RiskLevel
from dataprotection.models import ProcessingRecord
from ilp_platform.web.dates import DateInput

_TEXT = {"class": "form-control"}
_AREA = {"class": "form-control", "rows": 3}
_SELECT = {"class": "form-select"}


class RecordForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs=_AREA))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs=_AREA))
    data_categories = forms.CharField(
        label=_("Categories of personal data"), widget=forms.Textarea(attrs=_AREA)
    )
    subject_categories = forms.CharField(
        label=_("Categories of data subjects"), widget=forms.Textarea(attrs=_AREA)
    )
    recipients = forms.CharField(label=_("Recipients"), widget=forms.Textarea(attrs=_AREA))
    retention = forms.CharField(label=_("Retention"), widget=forms.Textarea(attrs=_AREA))
    safeguards = forms.CharField(
        label=_("Safeguards (security measures)"), widget=forms.Textarea(attrs=_AREA)
    )
    assessment_required = forms.BooleanField(
        label=_("An impact assessment is required (LED Art. 27)"), required=False
    )

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial", {name: getattr(instance, name) for name in self.base_fields}
            )
        super().__init__(*args, **kwargs)


class AssessmentForm(forms.Form):
    record = forms.ModelChoiceField(
        label=_("Record of processing"),
        queryset=ProcessingRecord.objects.none(),
        widget=forms.Select(attrs=_SELECT),
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    scope = forms.CharField(
        label=_("Processing assessed"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    risks = forms.CharField(
        label=_("Risks to the rights and freedoms of data subjects"),
        widget=forms.Textarea(attrs={**_AREA, "rows": 5}),
    )
    measures = forms.CharField(
        label=_("Measures addressing the risks"),
        widget=forms.Textarea(attrs={**_AREA, "rows": 5}),
    )
    residual_risk = forms.ChoiceField(
        label=_("Residual risk"), choices=RiskLevel.choices, widget=forms.Select(attrs=_SELECT)
    )
    review_due = forms.DateField(label=_("Review due"), widget=DateInput())

    def __init__(self, *args, user=None, instance=None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in self.base_fields}
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        field = self.fields["record"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ProcessingRecord.objects.visible_to(user)


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Approval note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs=_AREA),
    )


class PackForm(forms.Form):
    subject_type = forms.ChoiceField(
        label=_("For"), choices=PackSubject.choices, widget=forms.Select(attrs=_SELECT)
    )
    subject = forms.CharField(
        label=_("Operation reference or tasking id"),
        max_length=60,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "OP-NIGHTJAR"}),
    )


class VerifyForm(forms.Form):
    pack_file = forms.FileField(
        label=_("The pack's JSON file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={**_TEXT, "accept": "application/json,.json"}),
    )
    pack = forms.CharField(
        label=_("Or its JSON, pasted"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    sha256 = forms.CharField(
        label=_("Or its SHA-256"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs=_TEXT),
    )
    # The largest file read (a pack of an operation with thousands of consultations).
    MAX_BYTES = 20 * 1024 * 1024

    def clean_pack_file(self):
        upload = self.cleaned_data.get("pack_file")
        if upload is None:
            return ""
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than a pack can be (20 MB)."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text: upload the pack's JSON.")
            ) from None
