"""The browser form that requests an analysis job: one form, the fields each kind uses.

The form only gathers input into a parameters dict; ``analysis.services.jobs.clean_params``
decides what is valid and its errors come back beside the fields of the same name.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.choices import JobKind
from analysis.services.jobs import DEFAULTS, KIND_PARAMS
from ilp_platform.accounts.models import Compartment
from ilp_platform.web.forms import RestrictedFormMixin
from intelligence.models import CrimeType

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECKS = {"class": "list-unstyled mb-0"}

# Fields that only gather text into list or object parameters.
_LIST_FIELDS = ("distance_bands", "time_bands", "entities")


class JobForm(RestrictedFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("A name to find the job by later, e.g. 'Burglary hotspots, Easton, Q3'."),
    )
    compartments = forms.MultipleChoiceField(
        label=_("Compartments to read"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECKS),
        help_text=_(
            "None ticked: every compartment you hold. The result is shown only to people who "
            "hold every compartment it read, so leave out what colleagues need not see."
        ),
    )
    crime_types = forms.MultipleChoiceField(
        label=_("Crime types"),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 6}),
        help_text=_("None chosen: all crime types. Hold Ctrl (or Cmd) to choose several."),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={**_TEXT, "type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day included (when the incident or report occurred)."),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={**_TEXT, "type": "date"}, format="%Y-%m-%d"),
        help_text=_("Last day included."),
    )
    bbox = forms.CharField(
        label=_("Area: bounding box"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "-2.65, 51.42, -2.53, 51.49"}),
        help_text=_(
            "min_lon, min_lat, max_lon, max_lat in degrees; type it or draw it on the map. "
            "Empty: wherever the selected incidents are."
        ),
    )
    polygon = forms.CharField(
        label=_("Area: polygon (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
        help_text=_(
            "Instead of a box, a GeoJSON Polygon or its coordinates, e.g. "
            "[[[-2.6, 51.44], [-2.57, 51.44], [-2.58, 51.47], [-2.6, 51.44]]]."
        ),
    )
    cell_size_m = forms.FloatField(
        label=_("Grid cell size (metres)"),
        required=False,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_(
            "Side of each square grid cell, 25 to 10,000 m. 100-250 m suits a town centre, "
            "500 m a district. Gi* compares each cell and its 8 neighbours with the whole area."
        ),
    )
    bandwidth_m = forms.FloatField(
        label=_("Kernel bandwidth (metres)"),
        required=False,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "any"}),
        help_text=_(
            "Search radius of the density surface: how far each incident's influence spreads. "
            "Larger values smooth more; 2 to 4 cells is usual."
        ),
    )
    kernel = forms.ChoiceField(
        label=_("Kernel"),
        required=False,
        choices=[
            ("quartic", _("Quartic (zero beyond the bandwidth)")),
            ("gaussian", _("Gaussian")),
        ],
        widget=forms.Select(attrs=_SELECT),
        help_text=_("The shape of each incident's influence."),
    )
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("week", _("Week (Monday to Sunday)")), ("month", _("Calendar month"))],
        widget=forms.Select(attrs=_SELECT),
        help_text=_("Counts per period; the latest period is compared with the one before."),
    )
    top_n = forms.IntegerField(
        label=_("Risers and fallers to list"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
        help_text=_("How many crime types to list among the biggest rises and falls (1-50)."),
    )
    distance_bands = forms.CharField(
        label=_("Distance bands (metres)"),
        required=False,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_(
            "Upper limits, increasing, e.g. 100, 200, 300, 400: pairs 0-100 m apart, 101-200 m "
            "and so on, and a last band beyond. Near repeats of burglary reach 300-400 m."
        ),
    )
    time_bands = forms.CharField(
        label=_("Time bands (days)"),
        required=False,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("Upper limits in days, increasing, e.g. 7, 14, 21, 28; a last band beyond."),
    )
    iterations = forms.IntegerField(
        label=_("Monte Carlo iterations"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
        help_text=_(
            "Shuffles of the dates to estimate the expected pairs (9-999). 99 gives p-values "
            "down to 0.01, 999 down to 0.001."
        ),
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
        help_text=_("The same seed and data give the same result."),
    )
    entities = forms.CharField(
        label=_("Start from entities (ids)"),
        required=False,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_(
            "Optional, comma-separated entity ids: the network around them only. Empty: every "
            "entity you may read that has a link or shares a report."
        ),
    )
    hops = forms.IntegerField(
        label=_("Hops from those entities"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
        help_text=_("How many steps out from the chosen entities (1-4)."),
    )
    path_from = forms.IntegerField(
        label=_("Shortest path from (entity id)"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
        help_text=_("Optional: the strongest chain of ties between two entities."),
    )
    path_to = forms.IntegerField(
        label=_("Shortest path to (entity id)"),
        required=False,
        widget=forms.NumberInput(attrs=_TEXT),
    )
    cooccurrence = forms.BooleanField(
        label=_("Count entities named in the same report as tied"),
        required=False,
        initial=True,
        help_text=_("Each shared report adds 1 to the tie; a link adds 3, 2 or 1 by strength."),
    )

    def __init__(self, *args, user, kind: str, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.kind = kind
        allowed = {"title", *KIND_PARAMS[kind]}
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]
        self.fields["compartments"].choices = [
            (c.slug, c.name) for c in Compartment.objects.visible_to(user).order_by("name")
        ]
        self.fields["crime_types"].choices = [
            (ct.slug, ct.name) for ct in CrimeType.objects.filter(is_active=True)
        ]
        for name, field in self.fields.items():
            default = DEFAULTS.get(name)
            if default is None or name == "cooccurrence":
                continue
            field.initial = (
                ", ".join(str(v) for v in default) if isinstance(default, list) else default
            )
        if kind == JobKind.NETWORK:
            self.fields["date_from"].help_text = _("First day of the reports counted as ties.")

    def params(self) -> dict:
        """The parameters for the service: only what was filled in (defaults apply otherwise)."""
        data = self.cleaned_data
        params = {}
        for name in KIND_PARAMS[self.kind]:
            if name not in self.fields:
                continue
            value = data.get(name)
            if name == "cooccurrence":
                params[name] = bool(value)
            elif value in (None, "", []):
                continue
            elif hasattr(value, "isoformat"):
                params[name] = value.isoformat()
            else:
                params[name] = value
        return params

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message if target else f"{field}: {message}")
