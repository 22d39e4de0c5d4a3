"""Browser forms for analytical products. They parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis import templates_products
from analysis.choices import ProductKind, ProductStatus
from analysis.models import CitationKind
from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from intelligence import grading
from intelligence.choices import GradingScheme

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_SCHEME_LABELS = dict(GradingScheme.choices)


def _handling_choices():
    """Handling codes "scheme:code" grouped by scheme, each with its meaning (the grading form's
    script shows only the chosen scheme's group)."""
    return [("", "---------")] + [
        (
            label,
            [
                (f"{scheme}:{code}", f"{code} — {meaning}")
                for code, meaning in grading.codes(scheme, grading.HANDLING).items()
            ],
        )
        for scheme, label in _SCHEME_LABELS.items()
    ]


class ProductHandlingMixin(forms.Form):
    handling_scheme = forms.ChoiceField(
        label=_("Handling scheme"),
        choices=GradingScheme.choices,
        widget=forms.Select(attrs={**_SELECT, "data-grading-scheme": "1"}),
        help_text=_("The scheme whose handling codes mark the product."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"),
        choices=_handling_choices,
        widget=forms.Select(attrs={**_SELECT, "data-grading-axis": "1"}),
        help_text=_(
            "At least as restrictive as the most restrictive material the product cites; "
            "submission and approval are refused otherwise."
        ),
    )
    handling_conditions = forms.CharField(
        label=_("Handling conditions"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text=_("Required for 3x5x2 and Admiralty C, 5x5x5 2 to 5, and 4x4 H3."),
    )

    def clean(self):
        cleaned = super().clean()
        scheme = cleaned.get("handling_scheme")
        value = cleaned.get("handling_code") or ""
        if scheme and value:
            code_scheme, _sep, code = value.partition(":")
            if code_scheme != scheme:
                self.add_error(
                    "handling_code",
                    _("This code belongs to the %(other)s scheme, not %(scheme)s.")
                    % {"other": code_scheme, "scheme": scheme},
                )
            else:
                cleaned["handling_code"] = code
        return cleaned

    def handling_initial(self, product) -> None:
        if product is not None and not self.is_bound:
            self.initial.update(
                {
                    "handling_scheme": product.handling_scheme,
                    "handling_code": f"{product.handling_scheme}:{product.handling_code}",
                    "handling_conditions": product.handling_conditions,
                }
            )


class ProductCreateForm(RestrictedFormMixin, ProductHandlingMixin):
    kind = forms.ChoiceField(
        label=_("Kind of product"),
        choices=ProductKind.choices,
        widget=forms.Select(attrs=_SELECT),
        help_text=_(
            "The product starts with its kind's standard sections: PESTELO for a strategic "
            "assessment; activity, lifestyle, associates, risks and gaps for a subject profile; "
            "pattern, hotspots, victims and offenders for a problem profile."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    terms_of_reference = forms.CharField(
        label=_("Terms of reference"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 4}),
        help_text=_(
            "Who commissioned the product, the question it answers, its scope (area, period, "
            "crime types) and when it is due."
        ),
    )
    compartment = CompartmentChoiceField(
        help_text=_("The product may cite only material of this compartment.")
    )
    field_order = [
        "kind",
        "title",
        "terms_of_reference",
        "compartment",
        "handling_scheme",
        "handling_code",
        "handling_conditions",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)

    def product_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self.fields}


class ProductEditForm(RestrictedFormMixin, ProductHandlingMixin):
    """The working copy: title, terms of reference, one text area per section, handling."""

    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    terms_of_reference = forms.CharField(
        label=_("Terms of reference"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )
    compartment = CompartmentChoiceField(
        help_text=_("Moving the product is refused while it cites material of its compartment.")
    )

    def __init__(self, *args, user, product, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.product = product
        self.fields["compartment"].restrict_to(user)
        guidance = templates_products.guidance_for(product.kind)
        self.section_fields = []
        for section in product.sections or []:
            name = f"section_{section['key']}"
            self.fields[name] = forms.CharField(
                label=section["title"],
                required=False,
                widget=forms.Textarea(attrs={**_TEXT, "rows": 5}),
                help_text=guidance.get(section["key"], ""),
            )
            self.section_fields.append(name)
        if not self.is_bound:
            self.initial.update(
                {
                    "title": product.title,
                    "terms_of_reference": product.terms_of_reference,
                    "compartment": product.compartment_id,
                    **{f"section_{s['key']}": s.get("body", "") for s in product.sections or []},
                }
            )
            self.handling_initial(product)

    def product_data(self) -> dict:
        data = {
            k: self.cleaned_data.get(k)
            for k in (
                "title",
                "terms_of_reference",
                "compartment",
                "handling_scheme",
                "handling_code",
                "handling_conditions",
            )
        }
        data["sections"] = [
            {**section, "body": self.cleaned_data.get(f"section_{section['key']}") or ""}
            for section in self.product.sections or []
        ]
        return data

    def main_fields(self):
        return [self[n] for n in ("title", "terms_of_reference", "compartment")]

    def sections(self):
        return [self[n] for n in self.section_fields]

    def handling_fields(self):
        return [self[n] for n in ("handling_scheme", "handling_code", "handling_conditions")]


class CiteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CitationKind.choices)
    id = forms.IntegerField(label=_("Id"), min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the author"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
        help_text=_("What should change before the product is submitted again."),
    )


class DisseminateForm(forms.Form):
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("Person and organisation receiving the product."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("The power or agreement under which it is shared."),
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=300, required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    conditions_acknowledged = forms.BooleanField(
        label=_("I acknowledge the handling conditions"), required=False
    )
    provider_permission = forms.CharField(
        label=_("Provider's permission reference"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("Needed for 4x4 handling code H2."),
    )


_SMALL_SELECT = {"class": "form-select form-select-sm"}


class ProductFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("any"))] + list(ProductKind.choices),
        widget=forms.Select(attrs=_SMALL_SELECT),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any"))] + list(ProductStatus.choices),
        widget=forms.Select(attrs=_SMALL_SELECT),
    )
    compartment = forms.SlugField(
        label=_("Compartment"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def apply(self, queryset, user):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("compartment"):
            queryset = queryset.filter(compartment__slug=data["compartment"])
        if data.get("mine"):
            queryset = queryset.filter(author=user)
        return queryset
