"""Forms of the exchange pages: a partner, a package request, a package file received."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ilp_platform.accounts.models import Compartment
from ilp_platform.core.separators import split_list
from intelligence import provenance
from intelligence.choices import GradingScheme
from intelligence.models import Report

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "NL"}),
        help_text=_("Two-letter ISO code."),
    )
    contact = forms.CharField(label=_("Contact"), widget=forms.Textarea(attrs={**_TEXT, "rows": 2}))
    public_key = forms.CharField(
        label=_("Public key"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
        help_text=_(
            "As the partner's administrators give it (ilp-exchange-1:...). Compare its "
            "fingerprint with theirs by telephone before sending anything."
        ),
    )
    grading_scheme = forms.ChoiceField(
        label=_("Grading scheme the partner uses"),
        choices=GradingScheme.choices,
        widget=forms.Select(attrs=_SELECT),
    )
    handling_codes = forms.CharField(
        label=_("Handling codes the partner accepts"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "H0, H1, H2, H3"}),
        help_text=_("Codes of its scheme, separated by commas; empty: every code."),
    )
    sendable_compartments = forms.ModelMultipleChoiceField(
        label=_("Compartments whose reports may be sent"),
        queryset=Compartment.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sends_entities = forms.BooleanField(
        label=_("People, vehicles and places named in the reports may be sent"),
        required=False,
        initial=True,
    )
    intake_compartment = forms.ModelChoiceField(
        label=_("Intake compartment"),
        queryset=Compartment.objects.order_by("name"),
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Where reports received from this partner land, awaiting evaluation."),
    )
    inbox_url = forms.URLField(
        label=_("Inbox address"),
        assume_scheme="https",
        required=False,
        widget=forms.URLInput(attrs=_TEXT),
        help_text=_("The partner's push address; empty when packages travel as files."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_handling_codes(self) -> list[str]:
        return [code.upper() for code in split_list(self.cleaned_data.get("handling_codes", ""))]


class PackageForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=None, widget=forms.Select(attrs=_SELECT)
    )
    reports = forms.CharField(
        label=_("Reports"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3, "placeholder": "IR-2026-000123"}),
        help_text=_("Report URNs, separated by commas, spaces or lines."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text=_("The law and agreement under which these reports are disclosed."),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions imposed on the partner"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions_acknowledged = forms.BooleanField(
        label=_("I have read the handling conditions of these reports and they allow this"),
        required=False,
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=90,
        initial=14,
        widget=forms.NumberInput(attrs=_TEXT),
    )

    def __init__(self, *args, user, **kwargs):
        from exchange.models import Partner

        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["conditions"].choices = [  # type: ignore[attr-defined]
            (code, str(label)) for code, label in provenance.CONDITIONS.items()
        ]

    def clean_reports(self) -> list[int]:
        urns = [u.upper() for u in split_list(self.cleaned_data.get("reports", ""))]
        if not urns:
            raise forms.ValidationError(_("Name at least one report."))
        found = dict(
            Report.objects.visible_to(self.user).filter(urn__in=urns).values_list("urn", "pk")
        )
        missing = [u for u in urns if u not in found]
        if missing:
            raise forms.ValidationError(
                _("No report visible to you has the URN %(urns)s.") % {"urns": ", ".join(missing)}
            )
        return [found[u] for u in urns]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Package file"),
        widget=forms.ClearableFileInput(attrs={**_TEXT, "accept": ".json,application/json"}),
        help_text=_("A package a partner sent on removable media or by secure mail."),
    )
