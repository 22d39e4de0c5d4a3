"""Browser forms. They parse input and offer only records the person may see; the services
decide what is valid and say why."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analysis.models import Product
from ilp_platform.accounts.models import Unit, User
from ilp_platform.core.separators import split_list
from ilp_platform.web.dates import DateInput, DateTimeInput
from ilp_platform.web.forms import CompartmentChoiceField, RestrictedFormMixin
from intelligence import lookup
from intelligence.choices import EntityKind
from intelligence.models import CrimeType, Entity, Report
from intelligence.pickers import PickerWidget
from tasking import scoring
from tasking.choices import (
    DecisionSubject,
    MeetingKind,
    PriorityStatus,
    RequirementStatus,
    Strand,
    SubjectKind,
)
from tasking.models import Decision, Meeting, Priority, Requirement, Tasking

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={**_TEXT, "rows": rows})


def _date() -> forms.DateInput:
    # The language's one date shape (ilp_platform/formats), not the browser's own date box.
    return DateInput()


def _people():
    return User.objects.filter(is_active=True).order_by("username")


class RestrictedChoicesMixin:
    """Compartment choices limited to the person's; the default is ``general`` when held."""

    def restrict(self, user) -> None:
        field = self.fields["compartment"]
        field.restrict_to(user)
        if not self.is_bound and "compartment" not in self.initial:
            general = field.queryset.filter(slug="general").first()
            if general is not None:
                self.initial["compartment"] = general.pk


def parse_urns(user, text: str) -> list[Report]:
    """Report URNs separated by commas or spaces (``split_list``) -> visible reports; unknown
    URNs are named."""
    urns = [u.upper() for u in split_list(text)]
    if not urns:
        return []
    found = {r.urn: r for r in Report.objects.visible_to(user).filter(urn__in=urns)}
    missing = [u for u in urns if u not in found]
    if missing:
        raise ValidationError(
            _("No report visible to you has the URN %(urns)s.") % {"urns": ", ".join(missing)}
        )
    return [found[u] for u in dict.fromkeys(urns)]


class ReportUrnsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "Report URNs separated by commas or spaces, for example IR-2026-000123; type "
                "part of one to choose it."
            ),
        )
        kwargs.setdefault("widget", PickerWidget("report", multiple=True))
        super().__init__(**kwargs)


def _products_field(label):
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Product.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )


class PeoplePicker(PickerWidget):
    """The people picker (``GET /api/v1/lookup/?kind=user``); people chosen are named again
    after an error for those who may look people up."""

    def __init__(self):
        super().__init__("user", multiple=True, attrs={"placeholder": _("Type part of a name")})

    def value_from_datadict(self, data, files, name):
        # Several values (a plain multiple select, or a client sending a list) join into one.
        if hasattr(data, "getlist"):
            values = [v for v in data.getlist(name) if v]
            return " ".join(values) if values else data.get(name)
        return super().value_from_datadict(data, files, name)

    def chosen(self, value: str | None) -> list[dict]:
        parts = list(dict.fromkeys(p for p in split_list(value or "") if p))
        known = {}
        if self.reader is not None and lookup.may_look_up(self.reader, "user"):
            ids = [int(p) for p in parts if p.isdigit() and len(p) < 10]
            found = _people().filter(Q(pk__in=ids) | Q(username__in=parts))
            for person in found:
                known[str(person.pk)] = known[person.username] = person
        return [
            {
                "value": part,
                "label": str(known[part]) if part in known else part,
                "detail": known[part].username if part in known else "",
                "known": part in known,
            }
            for part in parts
        ]


class PeopleField(forms.CharField):
    """Active people chosen with the picker, or typed as usernames or ids separated by commas
    or spaces; cleans to the list of people, each once."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Type part of a name and choose; add as many people as attended.")
        )
        kwargs.setdefault("widget", PeoplePicker())
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(str(getattr(v, "pk", v)) for v in value)
        return value

    def clean(self, value):
        text = super().clean(value)
        parts = list(dict.fromkeys(split_list(text or "")))
        if not parts:
            return []
        ids = [int(p) for p in parts if p.isdigit() and len(p) < 10]
        people = list(_people().filter(Q(pk__in=ids) | Q(username__in=parts)))
        by_key = {str(p.pk): p for p in people} | {p.username: p for p in people}
        missing = [p for p in parts if p not in by_key]
        if missing:
            raise ValidationError(
                _("No active person is %(names)s.") % {"names": ", ".join(missing)}
            )
        return list({by_key[p].pk: by_key[p] for p in parts}.values())


# --- Meetings ---------------------------------------------------------------------------------


class MeetingForm(RestrictedFormMixin, RestrictedChoicesMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MeetingKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeInput(),
    )
    location = forms.CharField(
        label=_("Location"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    chair = forms.ModelChoiceField(
        label=_("Chair"), queryset=_people(), widget=forms.Select(attrs=_SELECT)
    )
    attendees = PeopleField(label=_("Attendees"))
    compartment = CompartmentChoiceField()
    notes = forms.CharField(label=_("Notes"), required=False, widget=_area(3))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.restrict(user)
        if not self.is_bound:
            self.initial.setdefault("chair", user.pk)
            self.initial.setdefault("kind", MeetingKind.TACTICAL)


# --- Priorities -------------------------------------------------------------------------------


class PriorityForm(RestrictedFormMixin, RestrictedChoicesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    description = forms.CharField(label=_("Description"), required=False, widget=_area(3))
    subject_kind = forms.ChoiceField(
        label=_("Subject"), choices=SubjectKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    crime_type = forms.ModelChoiceField(
        label=_("Crime type"),
        queryset=CrimeType.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("For a crime-type priority."),
    )
    subject_entity = forms.ModelChoiceField(
        label=_("Group or organisation"),
        queryset=Entity.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
        help_text=_("For a group priority: a known group, or name it below."),
    )
    subject_label = forms.CharField(
        label=_("Place, theme or group name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=_TEXT),
    )
    compartment = CompartmentChoiceField()
    intelligence_plan = forms.CharField(label=_("Intelligence"), required=False, widget=_area())
    prevention_plan = forms.CharField(label=_("Prevention"), required=False, widget=_area())
    enforcement_plan = forms.CharField(label=_("Enforcement"), required=False, widget=_area())
    reassurance_plan = forms.CharField(label=_("Reassurance"), required=False, widget=_area())
    evidence_products = _products_field(_("Evidence (analytical products)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.restrict(user)
        self.fields["subject_entity"].queryset = (
            Entity.objects.visible_to(user)
            .current()
            .filter(kind=EntityKind.ORGANISATION)
            .order_by("name")
        )
        self.fields["evidence_products"].queryset = Product.objects.visible_to(user).order_by("-pk")

    def service_data(self) -> tuple[dict, list]:
        data = dict(self.cleaned_data)
        products = list(data.pop("evidence_products", []) or [])
        return data, products


class ScoreForm(forms.Form):
    """One choice per factor of the chosen matrix, each option saying what its value means."""

    matrix = forms.ChoiceField(label=_("Matrix"), widget=forms.HiddenInput)

    def __init__(self, *args, matrix_key: str, initial_inputs: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.matrix = scoring.get_matrix(matrix_key)
        self.fields["matrix"].choices = scoring.matrix_choices()
        self.initial["matrix"] = self.matrix.key
        for factor in self.matrix.factors:
            self.fields[factor.key] = forms.TypedChoiceField(
                # The default matrix's texts are in the catalogue; a configured one's own
                # labels come back as written.
                label=_(factor.label),
                coerce=int,
                choices=[("", "---------")]
                + [(v, f"{v} — {gettext(meaning)}") for v, meaning in factor.scale.items()],
                widget=forms.Select(attrs=_SELECT),
                help_text=_("Weight %(w)s; scale %(lo)s to %(hi)s.")
                % {"w": factor.weight, "lo": factor.low, "hi": factor.high},
            )
            if initial_inputs and factor.key in initial_inputs:
                self.initial[factor.key] = initial_inputs[factor.key]

    def inputs(self) -> dict:
        return {f.key: self.cleaned_data.get(f.key) for f in self.matrix.factors}

    def grouped_fields(self):
        return [(group, [self[f.key] for f in factors]) for group, factors in self.matrix.groups()]

    def apply(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            name = key.removeprefix("score_inputs.")
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class PriorityDecisionForm(RestrictedFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(label=_("Rationale"), widget=_area(3))
    review_due = forms.DateField(
        label=_("Review by"),
        required=False,
        widget=_date(),
        help_text=_("When an approval is reviewed; default 90 days."),
    )
    evidence_reports = ReportUrnsField(label=_("Reports considered"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def clean_evidence_reports(self):
        return parse_urns(self.user, self.cleaned_data.get("evidence_reports"))


# --- Requirements and taskings ----------------------------------------------------------------


class RequirementForm(RestrictedFormMixin, RestrictedChoicesMixin, forms.Form):
    question = forms.CharField(
        label=_("What we need to know"), max_length=300, widget=forms.TextInput(attrs=_TEXT)
    )
    detail = forms.CharField(label=_("Detail"), required=False, widget=_area(3))
    priority = forms.ModelChoiceField(
        label=_("For priority"),
        queryset=Priority.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    due_date = forms.DateField(label=_("Due by"), widget=_date())
    assigned_unit = forms.ModelChoiceField(
        label=_("Assigned unit"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Assigned person"),
        queryset=_people(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    compartment = CompartmentChoiceField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.restrict(user)
        self.fields["priority"].queryset = (
            Priority.objects.visible_to(user).exclude(status=PriorityStatus.REJECTED).ranked()
        )


class AnswerForm(RestrictedFormMixin, forms.Form):
    report = forms.CharField(
        label=_("Report URN"),
        max_length=20,
        widget=PickerWidget("report", attrs={"placeholder": "IR-2026-000123"}),
        help_text=_("Type part of the URN and choose the report, or type it whole."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, widget=forms.TextInput(attrs=_TEXT)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def clean_report(self):
        reports = parse_urns(self.user, self.cleaned_data["report"])
        if len(reports) != 1:
            raise ValidationError(_("Give exactly one report URN."))
        return reports[0]


class TaskingForm(RestrictedFormMixin, RestrictedChoicesMixin, forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300, widget=forms.TextInput(attrs=_TEXT))
    detail = forms.CharField(label=_("Detail"), required=False, widget=_area(3))
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    requirement = forms.ModelChoiceField(
        label=_("Intelligence requirement"),
        queryset=Requirement.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    strand = forms.ChoiceField(
        label=_("Strand"),
        choices=Strand.choices,
        initial=Strand.ENFORCEMENT,
        widget=forms.Select(attrs=_SELECT),
    )
    owner_user = forms.ModelChoiceField(
        label=_("Owner (person)"),
        queryset=_people(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Owner (unit)"),
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    due_date = forms.DateField(label=_("Due by"), widget=_date())
    compartment = CompartmentChoiceField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.restrict(user)
        self.fields["priority"].queryset = (
            Priority.objects.visible_to(user).exclude(status=PriorityStatus.REJECTED).ranked()
        )
        self.fields["requirement"].queryset = Requirement.objects.visible_to(user).filter(
            status=RequirementStatus.OPEN
        )


class CompleteForm(RestrictedFormMixin, forms.Form):
    result = forms.CharField(label=_("Result"), widget=_area(4))
    cited_reports = ReportUrnsField(label=_("Reports cited"))
    cited_products = _products_field(_("Products cited"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        self.fields["cited_products"].queryset = Product.objects.visible_to(user).order_by("-pk")

    def clean_cited_reports(self):
        return parse_urns(self.user, self.cleaned_data.get("cited_reports"))


class ExtensionRequestForm(forms.Form):
    """The owner asks for more time; the service checks the date against today and the
    deadline in force."""

    due_date = forms.DateField(
        label=_("New deadline asked for"),
        widget=_date(),
        help_text=_("After the current deadline, and not in the past."),
    )
    reason = forms.CharField(label=_("Why more time is needed"), widget=_area(3), max_length=2000)


class ExtensionDecisionForm(forms.Form):
    """A manager grants or refuses a request for more time (the button pressed says which)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))],
        widget=forms.HiddenInput,
    )
    decision_note = forms.CharField(
        label=_("Note to the owner"),
        required=False,
        widget=_area(2),
        max_length=2000,
        help_text=_("Needed when refusing: say why."),
    )


# --- Decisions --------------------------------------------------------------------------------


class DecisionForm(RestrictedFormMixin, forms.Form):
    subject_kind = forms.ChoiceField(
        label=_("About"),
        choices=DecisionSubject.choices,
        initial=DecisionSubject.GENERAL,
        widget=forms.Select(attrs=_SELECT),
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    tasking = forms.ModelChoiceField(
        label=_("Tasking"),
        queryset=Tasking.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    product = forms.ModelChoiceField(
        label=_("Analytical product"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    requirement = forms.ModelChoiceField(
        label=_("Intelligence requirement"),
        queryset=Requirement.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    decision = forms.CharField(label=_("Decision"), widget=_area(2))
    rationale = forms.CharField(label=_("Rationale"), widget=_area(2))
    evidence_products = _products_field(_("Products considered"))
    evidence_reports = ReportUrnsField(label=_("Reports considered"))
    amends = forms.ModelChoiceField(
        label=_("Amends an earlier decision"),
        queryset=Decision.objects.none(),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args, user, meeting: Meeting, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        self.fields["priority"].queryset = Priority.objects.visible_to(user).ranked()
        self.fields["tasking"].queryset = Tasking.objects.visible_to(user).active()
        products = Product.objects.visible_to(user).order_by("-pk")
        self.fields["product"].queryset = products
        self.fields["evidence_products"].queryset = products
        self.fields["requirement"].queryset = Requirement.objects.visible_to(user).filter(
            status=RequirementStatus.OPEN
        )
        self.fields["amends"].queryset = (
            Decision.objects.visible_to(user)
            .exclude(meeting=meeting)
            .select_related("meeting")
            .order_by("-decided_at")
        )

    def clean_evidence_reports(self):
        return parse_urns(self.user, self.cleaned_data.get("evidence_reports"))

    def service_args(self) -> tuple[dict, list, list]:
        data = dict(self.cleaned_data)
        products = list(data.pop("evidence_products", []) or [])
        reports = list(data.pop("evidence_reports", []) or [])
        kind = data.get("subject_kind")
        for other in ("priority", "tasking", "product", "requirement"):
            if other != kind:
                data.pop(other, None)
        return data, products, reports


__all__ = [
    "AnswerForm",
    "CompleteForm",
    "DecisionForm",
    "MeetingForm",
    "PriorityDecisionForm",
    "PriorityForm",
    "RequirementForm",
    "ScoreForm",
    "TaskingForm",
]
