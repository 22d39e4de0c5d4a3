"""Browser forms. They parse input; the services decide what is valid and say why."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import get_template
from django.utils.translation import gettext_lazy as _

from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import User
from ilp_platform.core.separators import split_list
from ilp_platform.web.dates import DateInput, DateTimeInput
from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from intelligence import grading
from intelligence.choices import (
    EntityKind,
    GradingScheme,
    IdentifierKind,
    IncidentOrigin,
    LinkKind,
    LinkStrength,
    ReviewDecision,
    SourceType,
    SubjectCategory,
)
from intelligence.models import CrimeType, Entity, Report, RetentionClass, Source
from intelligence.pickers import PickerWidget

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECK = {"class": "form-check-input"}


_SCHEME_LABELS = dict(GradingScheme.choices)


def _grouped(axis: str, schemes: list[str]):
    """Choices "scheme:code" grouped by scheme, each labelled with its meaning."""
    return [("", "---------")] + [
        (
            _SCHEME_LABELS[scheme],
            [
                (f"{scheme}:{code}", f"{code} — {meaning}")
                for code, meaning in grading.codes(scheme, axis).items()
            ],
        )
        for scheme in schemes
    ]


class GradingSelect(forms.Select):
    """One grading axis's select with its codes' meanings at the field.

    Under the select, the chosen code's meaning, whole (a phone cuts a long option), drawn on
    the server from the value and kept up to date by ``static/js/intelligence.js``; then a
    collapsible "What the codes mean" listing every code of this axis for each scheme offered
    (the script shows only the chosen scheme's). Both work without JavaScript.
    """

    template_name = "intelligence/widgets/grading_select.html"

    def __init__(self, axis: str, attrs: dict | None = None):
        super().__init__(attrs={**_SELECT, "data-grading-axis": "1", **(attrs or {})})
        self.axis = axis
        self.schemes: list[str] = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        meaning_id = f"{widget['attrs'].get('id') or name}_meaning"
        described = widget["attrs"].get("aria-describedby", "")
        widget["attrs"]["aria-describedby"] = f"{described} {meaning_id}".strip()
        chosen = (widget["value"] or [""])[0] or ""
        scheme, _sep, code = chosen.partition(":")
        text = grading.meaning(scheme, self.axis, code) if code else ""
        widget.update(
            {
                "meaning_id": meaning_id,
                "chosen_meaning": f"{code} — {text}" if text else "",
                "schemes": [
                    (scheme, _SCHEME_LABELS[scheme], list(grading.codes(scheme, self.axis).items()))
                    for scheme in self.schemes
                ],
            }
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The select itself by Django's own template; the meanings around it by the project's
        # engine, where the template sits with the others (both escape every value).
        select = super()._render(forms.Select.template_name, context, renderer)
        return get_template(template_name).render({**context, "select": select})


class GradingFieldsMixin(forms.Form):
    """The three codes and the conditions, with the meaning of every code at its field.

    Options are grouped by scheme; ``static/js/intelligence.js`` shows only the chosen
    scheme's group. The posted value "scheme:code" must belong to the chosen scheme.
    """

    grading_scheme = forms.ChoiceField(
        label=_("Grading scheme"),
        widget=forms.Select(attrs={**_SELECT, "data-grading-scheme": "1"}),
    )
    source_evaluation = forms.ChoiceField(
        label=_("Source evaluation"),
        help_text=_("How reliable the source has proved."),
        widget=GradingSelect(grading.SOURCE),
    )
    intelligence_assessment = forms.ChoiceField(
        label=_("Intelligence assessment"),
        help_text=_("How the source came to know it."),
        widget=GradingSelect(grading.INTELLIGENCE),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"),
        help_text=_("Who may receive it. Some codes require written handling conditions."),
        widget=GradingSelect(grading.HANDLING),
    )
    handling_conditions = forms.CharField(
        label=_("Handling conditions"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text=_(
            "Required for 3x5x2 and Admiralty code C, 5x5x5 codes 2 to 5, and 4x4 code H3."
        ),
    )

    def setup_grading(self, schemes: list[str], instance: Report | None = None) -> None:
        self.fields["grading_scheme"].choices = [(s, _SCHEME_LABELS[s]) for s in schemes]
        for axis in (grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING):
            field = self.fields[axis]
            field.choices = _grouped(axis, schemes)
            field.widget.schemes = list(schemes)
        if instance is not None and not self.is_bound:
            self.initial.update(
                {
                    "grading_scheme": instance.grading_scheme,
                    grading.SOURCE: f"{instance.grading_scheme}:{instance.source_evaluation}",
                    grading.INTELLIGENCE: (
                        f"{instance.grading_scheme}:{instance.intelligence_assessment}"
                    ),
                    grading.HANDLING: f"{instance.grading_scheme}:{instance.handling_code}",
                    "handling_conditions": instance.handling_conditions,
                }
            )

    def grading_data(self) -> dict:
        scheme = self.cleaned_data["grading_scheme"]
        data = {
            "grading_scheme": scheme,
            "handling_conditions": self.cleaned_data.get("handling_conditions", ""),
        }
        for axis in (grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING):
            value = self.cleaned_data.get(axis) or ""
            code_scheme, _sep, code = value.partition(":")
            data[axis] = code if code_scheme == scheme else value
        return data

    def clean(self):
        cleaned = super().clean()
        scheme = cleaned.get("grading_scheme")
        for axis in (grading.SOURCE, grading.INTELLIGENCE, grading.HANDLING):
            value = cleaned.get(axis) or ""
            code_scheme = value.partition(":")[0]
            if scheme and value and code_scheme != scheme:
                self.add_error(
                    axis,
                    _("This code belongs to the %(other)s scheme; the report uses %(scheme)s.")
                    % {"other": code_scheme, "scheme": scheme},
                )
        return cleaned


class ReportForm(RestrictedFormMixin, GradingFieldsMixin):
    """Submission of a report: what is known, how good it is, who may receive it."""

    compartment = CompartmentChoiceField()
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=Source.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Sources are shown by reference code only."),
    )
    text = forms.CharField(
        label=_("What is known (original text)"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 6}),
        help_text=_(
            "Write it as received. Only evaluating analysts and the source's handler read this; "
            "others read the sanitised version."
        ),
    )
    is_personal_assessment = forms.BooleanField(
        label=_("This is an assessment or opinion, not a fact"), required=False
    )
    has_special_category = forms.BooleanField(
        label=_("Contains special-category data (health, ethnicity, religion, sexuality ...)"),
        required=False,
        help_text=_("Narrows who may see the report to analysts and managers."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"),
        required=False,
        widget=DateTimeInput(attrs=_TEXT),
        help_text=_("When it happened, if known exactly. Otherwise give a window below."),
    )
    occurred_from = forms.DateTimeField(
        label=_("Occurred from"),
        required=False,
        widget=DateTimeInput(attrs=_TEXT),
    )
    occurred_to = forms.DateTimeField(
        label=_("Occurred to"),
        required=False,
        widget=DateTimeInput(attrs=_TEXT),
    )
    place_name = forms.CharField(
        label=_("Place name"), required=False, max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_("Decimal degrees, -90 to 90; or click the place on the map below."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_("Decimal degrees, -180 to 180."),
    )
    crime_types = forms.ModelMultipleChoiceField(
        label=_("Crime types and themes"),
        queryset=CrimeType.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "check-columns"}),
        help_text=_("Tick every one that applies."),
    )

    field_order = [
        "compartment",
        "source",
        "text",
        "grading_scheme",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "handling_conditions",
        "is_personal_assessment",
        "has_special_category",
        "occurred_at",
        "occurred_from",
        "occurred_to",
        "place_name",
        "latitude",
        "longitude",
        "crime_types",
    ]

    def __init__(self, *args, user, instance: Report | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)
        if user.has_perm("intelligence.view_source"):
            self.fields["source"].queryset = Source.objects.visible_to(user).filter(is_active=True)
        else:
            del self.fields["source"]
        for name in ("is_personal_assessment", "has_special_category"):
            self.fields[name].widget.attrs.update(_CHECK)
        schemes = grading.enabled_schemes()
        if instance is not None and instance.grading_scheme not in schemes:
            schemes = [*schemes, instance.grading_scheme]
        self.setup_grading(schemes, instance)
        if not self.is_bound:
            if instance is None:
                self.initial.setdefault("grading_scheme", grading.default_scheme())
            else:
                for name in self.fields:
                    if name not in self.initial and hasattr(instance, name):
                        value = getattr(instance, name)
                        if name == "crime_types":
                            value = list(instance.crime_types.all())
                        self.initial[name] = value

    def report_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "compartment",
                "source",
                "text",
                "is_personal_assessment",
                "has_special_category",
                "occurred_at",
                "occurred_from",
                "occurred_to",
                "place_name",
                "latitude",
                "longitude",
            )
            if name in self.fields
        }
        data["place_name"] = data.get("place_name") or ""
        data["crime_types"] = list(self.cleaned_data.get("crime_types") or [])
        data.update(self.grading_data())
        return data


class MentionForm(forms.Form):
    """One row of "People, vehicles and places mentioned": what the officer knows of it."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=EntityKind.choices,
        initial=EntityKind.PERSON,
        widget=forms.Select(attrs=_SELECT),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("A person's name, a registration, a place, a group, a number."),
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("Date of birth, nickname, vehicle make and colour, address ..."),
    )

    def clean(self):
        data = super().clean()
        if (data.get("details") or "").strip() and not (data.get("name") or "").strip():
            row = int(self.prefix.rsplit("-", 1)[-1]) + 1 if self.prefix else 1
            self.add_error(
                "name",
                _("Row %(n)s: give the name (or registration, or place) the details describe.")
                % {"n": row},
            )
        return data

    def has_changed(self) -> bool:
        # A row whose kind alone was changed is still an empty row.
        return bool(
            (self.data.get(self.add_prefix("name")) or "").strip()
            or (self.data.get(self.add_prefix("details")) or "").strip()
        )


class BaseMentionFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows, in order; empty ones left out."""
        return [
            {
                "kind": form.cleaned_data.get("kind"),
                "name": form.cleaned_data.get("name", ""),
                "details": form.cleaned_data.get("details", ""),
            }
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


MentionFormSet = forms.formset_factory(
    MentionForm,
    formset=BaseMentionFormSet,
    extra=5,
    max_num=5,
    absolute_max=5,
    validate_max=True,
)


def mention_formset(data=None, *, report: Report | None = None) -> BaseMentionFormSet:
    """The report form's rows ("mentions" prefix), a draft's rows filled in again."""
    initial = []
    if report is not None and data is None:
        initial = [
            {"kind": s.kind, "name": s.name, "details": s.details}
            for s in report.mention_suggestions.all()
        ]
    return MentionFormSet(data, prefix="mentions", initial=initial)


class EvaluationForm(RestrictedFormMixin, GradingFieldsMixin):
    sanitised_text = forms.CharField(
        label=_("Sanitised text"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 6}),
        help_text=_(
            "What everyone else with access reads: remove anything that identifies the source, "
            "directly or by inference."
        ),
    )
    compartment = CompartmentChoiceField()
    retention_class = forms.ModelChoiceField(
        label=_("Retention class"),
        queryset=RetentionClass.objects.all(),
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Sets when the report must next be reviewed."),
    )
    reason = forms.CharField(
        label=_("Reason for any change of grading"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )

    def __init__(self, *args, user, report: Report, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)
        self.setup_grading(list(grading.SCHEMES), report)
        if not self.is_bound:
            self.initial.update(
                {
                    "sanitised_text": report.sanitised_text or report.text,
                    "compartment": report.compartment_id,
                    "retention_class": report.retention_class_id,
                }
            )


class RegradeForm(GradingFieldsMixin):
    reason = forms.CharField(
        label=_("Why the grading changes"), widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_grading(list(grading.SCHEMES), report)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.Select(attrs=_SELECT),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
        help_text=_("Why the record still serves a policing purpose, or why it goes."),
    )
    next_review_due = forms.DateField(
        label=_("Next review due"),
        required=False,
        widget=DateInput(attrs=_TEXT),
        help_text=_("Required when retaining."),
    )


class IncidentForm(RestrictedFormMixin, forms.Form):
    """One incident recorded by hand (files go through the import)."""

    compartment = CompartmentChoiceField()
    reference = forms.CharField(
        label=_("Reference"), max_length=50, widget=forms.TextInput(attrs=_TEXT)
    )
    crime_type = forms.ModelChoiceField(
        label=_("Crime type"),
        queryset=CrimeType.objects.filter(is_active=True),
        widget=forms.Select(attrs=_SELECT),
    )
    occurred_from = forms.DateTimeField(
        label=_("Occurred from"),
        widget=DateTimeInput(attrs=_TEXT),
        help_text=_("When it happened, or the start of the window when the time is unknown."),
    )
    occurred_to = forms.DateTimeField(
        label=_("Occurred to"),
        required=False,
        widget=DateTimeInput(attrs=_TEXT),
        help_text=_("The end of the window; blank when the time is known."),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_("Decimal degrees, -90 to 90."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_("Decimal degrees, -180 to 180."),
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=300, widget=forms.TextInput(attrs=_TEXT)
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        choices=IncidentOrigin.choices,
        initial=IncidentOrigin.UNKNOWN,
        widget=forms.Select(attrs=_SELECT),
        help_text=_(
            "Reported by the public, or found by police activity (a stop-and-search find, a "
            "proactive detection). Hotspot analysis checks whether a hot spot rests on "
            "police-found records."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)


class SourceForm(RestrictedFormMixin, forms.Form):
    reference = forms.CharField(
        label=_("Reference code"), max_length=30, widget=forms.TextInput(attrs=_TEXT)
    )
    source_type = forms.ChoiceField(
        label=_("Type"), choices=SourceType.choices, widget=forms.Select(attrs=_SELECT)
    )
    compartment = CompartmentChoiceField()
    handler = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Only the handler reads the identity details."),
    )
    identity_name = forms.CharField(
        label=_("Identity: name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
    )
    identity_details = forms.CharField(
        label=_("Identity: details"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )
    notes = forms.CharField(
        label=_("Notes (no identifying detail)"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)
        self.fields["handler"].queryset = User.objects.filter(
            groups__name=Role.SOURCE_HANDLER, is_active=True
        ).order_by("username")


class EntityEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(attrs=_TEXT),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 3})
    )


class EntityForm(RestrictedFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=EntityKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("A person's full name, a group's name, a registration, a place, a number."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(attrs=_TEXT),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )
    compartment = CompartmentChoiceField()
    phone = forms.CharField(
        label=_("Phone number"), required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    email = forms.CharField(
        label=_("Email address"), required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    handle = forms.CharField(
        label=_("Online handle"), required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    registration = forms.CharField(
        label=_("Vehicle registration"), required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    create_anyway = forms.BooleanField(
        label=_("None of the possible duplicates is this entity: create it anyway"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["compartment"].restrict_to(user)
        self.fields["create_anyway"].widget.attrs.update(_CHECK)

    def identifiers(self) -> list[tuple[str, str]]:
        pairs = [
            (IdentifierKind.PHONE, "phone"),
            (IdentifierKind.EMAIL, "email"),
            (IdentifierKind.HANDLE, "handle"),
            (IdentifierKind.VEHICLE_REGISTRATION, "registration"),
        ]
        return [
            (kind, self.cleaned_data[name]) for kind, name in pairs if self.cleaned_data.get(name)
        ]


def _visible_entity(user, pk) -> Entity | None:
    return Entity.objects.visible_to(user).current().filter(pk=pk).first()


class MergeForm(RestrictedFormMixin, forms.Form):
    other = forms.IntegerField(
        label=_("Duplicate to fold into this entity"),
        widget=PickerWidget("entity"),
        help_text=_("Type part of its name and choose it, or type its id."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={**_TEXT, "rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def clean_other(self):
        entity = _visible_entity(self.user, self.cleaned_data["other"])
        if entity is None:
            raise ValidationError(_("No entity with this id is visible to you."))
        return entity


class ReportEntityForm(RestrictedFormMixin, forms.Form):
    entity = forms.IntegerField(
        label=_("Entity"),
        widget=PickerWidget("entity"),
        help_text=_("Type part of its name and choose it, or type its id."),
    )
    subject_category = forms.ChoiceField(
        label=_("Data-subject category"),
        choices=[("", _("Not a person"))] + list(SubjectCategory.choices),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    is_assessment = forms.BooleanField(
        label=_("What the report says about it is assessment, not fact"), required=False
    )
    suggestion = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        self.fields["is_assessment"].widget.attrs.update(_CHECK)

    def clean_entity(self):
        entity = _visible_entity(self.user, self.cleaned_data["entity"])
        if entity is None:
            raise ValidationError(_("No entity with this id is visible to you."))
        return entity


class LinkForm(RestrictedFormMixin, forms.Form):
    to_entity = forms.IntegerField(
        label=_("Linked entity"),
        widget=PickerWidget("entity"),
        help_text=_("Type part of its name and choose it, or type its id."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=LinkKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    strength = forms.ChoiceField(
        label=_("Strength"), choices=LinkStrength.choices, widget=forms.Select(attrs=_SELECT)
    )
    reports = forms.CharField(
        label=_("Reports it rests on"),
        required=False,
        widget=PickerWidget("report", multiple=True),
        help_text=_("Report URNs separated by commas or spaces; type part of one to choose it."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def clean_to_entity(self):
        entity = _visible_entity(self.user, self.cleaned_data["to_entity"])
        if entity is None:
            raise ValidationError(_("No entity with this id is visible to you."))
        return entity

    def clean_reports(self):
        urns = list(dict.fromkeys(u.upper() for u in split_list(self.cleaned_data.get("reports"))))
        found = list(Report.objects.visible_to(self.user).filter(urn__in=urns))
        missing = set(urns) - {r.urn for r in found}
        if missing:
            raise ValidationError(_("Not found: %(urns)s") % {"urns": ", ".join(sorted(missing))})
        return found
