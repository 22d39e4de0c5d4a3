from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ilp_platform.accounts.models import Unit
from ilp_platform.web.dates import DateInput
from ilp_platform.web.forms import RestrictedFormMixin
from intelligence.provenance import CONDITIONS
from sharing import periods
from sharing.choices import Risk
from tasking.choices import MeetingStatus, RequirementStatus
from tasking.models import Meeting, Requirement

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_AREA = {"class": "form-control", "rows": 3}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_level_display()})"


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_level_display()})"


def _risk(label):
    return forms.ChoiceField(
        label=label,
        choices=[("", "—"), *Risk.choices],
        widget=forms.Select(attrs=_SELECT),
    )


class ShareForm(RestrictedFormMixin, forms.Form):
    """The dissemination step: to whom, the risk assessment, conditions and legal basis."""

    to_unit = UnitChoiceField(
        label=_("Share with"),
        queryset=Unit.objects.none(),
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Usually the next level up, or a peer unit."),
    )
    risk_to_source = _risk(_("Risk to the source"))
    risk_to_operation = _risk(_("Risk to an operation"))
    risk_to_person = _risk(_("Risk to a person"))
    risk_assessment = forms.CharField(
        label=_("Risk assessment"),
        required=False,
        widget=forms.Textarea(attrs=_AREA),
        help_text=_("Why the risks are as assessed; stays with the sending unit."),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions imposed on the receiving unit"),
        required=False,
        choices=[(code, label) for code, label in CONDITIONS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    conditions_note = forms.CharField(
        label=_("Conditions in words"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("The law under which the intelligence is shared (e.g. DPA 2018 s.35)."),
    )
    conditions_acknowledged = forms.BooleanField(
        label=_("I have read the report's handling conditions and the receiver will keep them"),
        required=False,
    )
    provider_permission = forms.CharField(
        label=_("Provider's permission (reference)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("Needed when the handling code requires the provider's permission."),
    )
    send_original = forms.BooleanField(
        label=_("Send the original text (only where the handling code allows it)"),
        required=False,
    )
    answers_requirement = forms.ModelChoiceField(
        label=_("Answers a requirement from that unit"),
        required=False,
        queryset=Requirement.objects.none(),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        units = Unit.objects.order_by("level", "name")
        if getattr(user, "unit_id", None):
            units = units.exclude(pk=user.unit_id)
        self.fields["to_unit"].queryset = units
        self.fields["answers_requirement"].queryset = (
            Requirement.objects.visible_to(user)
            .filter(issued_from__isnull=False, status=RequirementStatus.OPEN)
            .order_by("-id")
        )


class ProductShareForm(ShareForm):
    """The same step for an approved product (its text travels as it was approved)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["send_original"]
        del self.fields["answers_requirement"]


class ConsentForm(forms.Form):
    note = forms.CharField(
        label=_("Who consented for the originator, how and when"),
        widget=forms.Textarea(attrs=_AREA),
    )


class IssueForm(forms.Form):
    units = UnitsChoiceField(
        label=_("Issue to these units below"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by(
            "level", "name"
        )


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.scheduled_for:%Y-%m-%d})"


def adoption_meetings(user):
    """The open meetings of ``user``'s unit they may see: where a priority from above is
    adopted (the decision is minuted there)."""
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return Meeting.objects.none()
    return (
        Meeting.objects.visible_to(user)
        .filter(status=MeetingStatus.OPEN, compartment__unit=unit_id)
        .order_by("-scheduled_for", "-pk")
    )


class AdoptForm(forms.Form):
    """Adopting a priority from above into the unit's control strategy, at an open meeting."""

    meeting = MeetingChoiceField(
        label=_("At the meeting"),
        queryset=Meeting.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = adoption_meetings(user)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why your unit declines it"),
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[
            (RequirementStatus.SATISFIED, RequirementStatus.SATISFIED.label),
            (RequirementStatus.CANCELLED, RequirementStatus.CANCELLED.label),
        ],
        widget=forms.Select(attrs=_SELECT),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput(attrs=_TEXT))


class AggregateForm(forms.Form):
    """The period of the figures: whole months (``sharing.periods``)."""

    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        help_text=_("The first day of a month."),
    )
    until = forms.DateField(
        label=_("Until (not included)"),
        required=False,
        widget=DateInput(),
        help_text=_("The first day of a month."),
    )

    def clean_since(self):
        return self._month_start(self.cleaned_data.get("since"))

    def clean_until(self):
        return self._month_start(self.cleaned_data.get("until"))

    @staticmethod
    def _month_start(day):
        if not periods.is_month_start(day):
            raise forms.ValidationError(periods.NOT_A_MONTH_START)
        return day

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end of the period comes after its start."))
        return data
