"""Browser forms of the import: the upload, then (only when needed) the column mapping."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from intelligence.imports.choices import (
    FIELD_LABELS,
    INCIDENT_FIELDS,
    REQUIRED_FIELDS,
    Encoding,
    ImportMode,
)

_SELECT = {"class": "form-select"}


class UploadForm(RestrictedFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel (.xlsx, first sheet), the first line naming the columns. Columns named "
            "reference, crime_type, occurred_from, occurred_to, latitude, longitude, address "
            "and origin (public, police, other or unknown) are recognised; otherwise you map "
            "them in the next step."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
    )
    compartment = CompartmentChoiceField(
        help_text=_("The compartment every imported incident joins.")
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=ImportMode.choices,
        initial=ImportMode.INSERT,
        widget=forms.RadioSelect,
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"),
        choices=Encoding.choices,
        initial=Encoding.UTF8,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Nothing is guessed: a file that is not in this encoding is refused."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)


class MappingForm(forms.Form):
    """One choice of file column per incident field."""

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for field in INCIDENT_FIELDS:
            required = field in REQUIRED_FIELDS
            empty = _("— choose a column —") if required else _("— not in the file —")
            self.fields[field] = forms.ChoiceField(
                label=FIELD_LABELS[field],
                required=required,
                choices=[("", empty), *[(c, c) for c in columns]],
                widget=forms.Select(attrs=_SELECT),
            )

    def mapping(self) -> dict[str, str]:
        return {f: c for f, c in self.cleaned_data.items() if c}
