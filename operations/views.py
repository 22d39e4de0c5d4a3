"""Operation pages: the list, one operation with everything it gathers, opening, editing,
gathering records, closing and reopening."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.charts import ring_chart
from ilp_platform.web.dates import shape_hint
from ilp_platform.web.exports import csv_response
from ilp_platform.web.views import (
    CreateFormView,
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
    visible_or_404,
)
from intelligence.choices import EntityKind, LinkKind, LinkStrength
from operations import charts, selectors, services
from operations.choices import ItemKind, OperationStatus
from operations.forms import (
    KINDS,
    ChartForm,
    ChartStartForm,
    CloseForm,
    GatherForm,
    OperationForm,
    TimelineForm,
)
from operations.models import Chart, Operation

TIMELINE_ON_PAGE = 40
PLURALS = {
    "reports": gettext_lazy("Reports"),
    "entities": gettext_lazy("Entities"),
    "jobs": gettext_lazy("Analyses"),
    "products": gettext_lazy("Products"),
    "priorities": gettext_lazy("Priorities"),
    "requirements": gettext_lazy("Requirements"),
    "taskings": gettext_lazy("Taskings"),
}
TIMELINE_KINDS = {
    "report": gettext_lazy("report"),
    "link": gettext_lazy("link"),
    "analysis": gettext_lazy("analysis"),
    "product": gettext_lazy("product"),
    "requirement": gettext_lazy("requirement"),
    "tasking": gettext_lazy("tasking"),
    "decision": gettext_lazy("decision"),
}


class OperationListView(RestrictedListView):
    model = Operation
    template_name = "operations/list.html"

    def get_queryset(self):
        queryset = self.get_base_queryset().select_related("lead", "compartment")
        status = self.request.GET.get("status", OperationStatus.OPEN)
        if status in OperationStatus.values:
            queryset = queryset.filter(status=status)
        if self.request.GET.get("mine"):
            queryset = queryset.worked_by(self.request.user)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "statuses": OperationStatus.choices,
                "status": self.request.GET.get("status", OperationStatus.OPEN),
                "mine": bool(self.request.GET.get("mine")),
            }
        )
        return context


def chart_data(contents: selectors.Contents) -> dict:
    """The operation's entities and the links among them, laid out for the page's chart."""
    nodes = [
        {
            "id": e.pk,
            "name": e.name,
            "kind": e.kind,
            "kind_label": e.get_kind_display(),
            "url": e.get_absolute_url(),
        }
        for e in contents.lists["entities"]
    ]
    edges = [
        {
            "source": link.from_entity_id,
            "target": link.to_entity_id,
            "strength": link.strength,
            "title": f"{link.from_entity.name} – {link.get_kind_display()} – "
            f"{link.to_entity.name} ({link.get_strength_display()})",
        }
        for link in contents.lists["links"]
    ]
    return ring_chart(nodes, edges, kinds=EntityKind.choices, strengths=LinkStrength.choices)


class OperationDetailView(RestrictedDetailView):
    model = Operation
    template_name = "operations/detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("lead", "compartment", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        operation, user = self.object, self.request.user
        contents = selectors.contents(user, operation)
        timeline = selectors.timeline(user, operation, limit=TIMELINE_ON_PAGE)
        # The page shows these records: one consultation event names them all.
        audit.consultation(
            Action.LIST,
            obj=operation,
            count=sum(len(ids) for ids in contents.ids.values()),
            details={"view": "operation contents", "items": contents.ids},
        )
        can_change = user.has_perm("operations.change_operation")
        context.update(
            {
                "contents": contents,
                "kinds": [(kind, PLURALS[kind]) for kind in ItemKind.values],
                "timeline": [
                    {**item, "kind_label": TIMELINE_KINDS[item["kind"]]} for item in timeline
                ],
                "team": operation.team.order_by("username"),
                "chart": chart_data(contents),
                "charts": charts.visible_charts(user, operation),
                "can_change": can_change,
                "gather_form": GatherForm(user=user) if can_change and operation.is_open else None,
                "close_form": CloseForm() if can_change and operation.is_open else None,
            }
        )
        return context


class OperationCreateView(CreateFormView):
    model = Operation
    permission_required = "operations.add_operation"
    template_name = "operations/form.html"
    form_class = OperationForm

    def create(self, data):
        return services.open_operation(actor=self.request.user, data=dict(data))

    def success_message(self, operation):
        return _("Operation opened.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Open an operation")}


class OperationEditView(RecordFormView):
    model = Operation
    permission_required = "operations.change_operation"
    template_name = "operations/form.html"
    form_class = OperationForm
    success_message = gettext_lazy("Operation saved.")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": self.record,
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("Edit %(name)s") % {"name": self.record},
            "operation": self.record,
        }

    def run(self, form):
        return services.update_operation(
            self.record, actor=self.request.user, data=dict(form.cleaned_data)
        )


class OperationGatherView(RecordFormView):
    """Add reports, entities, taskings, analyses and products to the operation."""

    model = Operation
    permission_required = "operations.change_operation"
    template_name = "operations/gather.html"
    form_class = GatherForm
    success_message = gettext_lazy("Added to the operation.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "operation": self.record}

    def run(self, form):
        for kind in KINDS:
            records = form.cleaned_data.get(kind)
            if records:
                services.gather(self.record, actor=self.request.user, kind=kind, records=records)
        return self.record


class OperationRemoveItemView(RecordPostView):
    model = Operation
    permission_required = "operations.change_operation"
    success_message = gettext_lazy("Taken out of the operation.")

    def run(self, request, operation):
        kind = request.POST.get("kind", "")
        pk = request.POST.get("id", "")
        if kind not in selectors.KINDS or not pk.isdigit():
            raise ValidationError({"id": [_("Choose a record of the operation to take out.")]})
        model = selectors.KINDS[kind][0]
        record = model.objects.visible_to(request.user).filter(pk=int(pk)).first()
        if record is None:
            raise ValidationError({"id": [_("No record visible to you has this id.")]})
        services.gather(operation, actor=request.user, kind=kind, records=[record], remove=True)


class OperationCloseView(RecordPostView):
    model = Operation
    permission_required = "operations.change_operation"
    recheck_visibility = False
    name_fields = False
    success_message = gettext_lazy("Operation closed: it gathers nothing new.")

    def run(self, request, operation):
        form = CloseForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        services.close_operation(operation, actor=request.user, note=note)


class OperationReopenView(RecordPostView):
    model = Operation
    permission_required = "operations.change_operation"
    recheck_visibility = False
    name_fields = False
    success_message = gettext_lazy("Operation reopened.")

    def run(self, request, operation):
        services.reopen_operation(operation, actor=request.user)


class OperationTimelineView(RestrictedDetailView):
    """The operation's timeline with filters (kinds of item, a period) and its CSV export."""

    model = Operation
    template_name = "operations/timeline.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = TimelineForm(
            request.GET or None, kinds=[(k, TIMELINE_KINDS[k]) for k in selectors.TIMELINE_KINDS]
        )
        filters: dict = {}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            filters = {
                "kinds": data.get("kind") or None,
                "since": _day_start(data.get("since")),
                "until": _day_start(data.get("until"), next_day=True),
            }
        items = (
            []
            if form.is_bound and form.errors
            else selectors.timeline(request.user, self.object, **filters)
        )
        shown = [f"{i['object_type']}:{i['object_id']}" for i in items]
        asked = {k: v for k, v in request.GET.items() if k != "format"}
        if request.GET.get("format") == "csv" and not form.errors:
            audit.record(
                Action.EXPORT,
                obj=self.object,
                details={
                    "view": "timeline",
                    "filters": asked,
                    "format": "csv",
                    "count": len(items),
                },
            )
            rows = (
                [
                    i["at"].isoformat(),
                    str(TIMELINE_KINDS[i["kind"]]),
                    i["title"],
                    i["object_type"],
                    i["object_id"],
                ]
                for i in items
            )
            return csv_response(
                rows,
                headers=[_("When"), _("Kind"), _("What"), _("Record type"), _("Record id")],
                stem=f"{self.object.reference}-timeline",
            )
        audit.consultation(
            Action.VIEW,
            obj=self.object,
            count=len(items),
            details={"view": "timeline", "filters": asked, "items": shown},
        )
        params = request.GET.copy()
        params["format"] = "csv"
        context = self.get_context_data(
            object=self.object,
            form=form,
            timeline=[{**i, "kind_label": TIMELINE_KINDS[i["kind"]]} for i in items],
            export_querystring=params.urlencode(),
        )
        return self.render_to_response(context)


def _day_start(day, next_day: bool = False):
    """A date as the start of that day (or of the next) in the platform's time zone."""
    if day is None:
        return None
    if next_day:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Saved link charts ------------------------------------------------------------------------


class OperationChartCreateView(RecordFormView):
    """A new link chart of the operation: a title, then its page to place entities on."""

    model = Operation
    permission_required = "operations.change_operation"
    template_name = "operations/chart_form.html"
    form_class = ChartForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "operation": self.record}

    def run(self, form):
        self._chart = charts.create_chart(
            actor=self.request.user, operation=self.record, title=form.cleaned_data["title"]
        )
        return self._chart

    def get_success_url(self):
        return self._chart.get_absolute_url()


# The legend's SVG of each vis-network shape (charts.KIND_STYLE gives each kind's shape).
LEGEND_SHAPES = {
    "dot": "circle",
    "diamond": "7,1 13,7 7,13 1,7",
    "triangle": "7,1 13,13 1,13",
    "square": "rect",
    "hexagon": "4,1 10,1 13,7 10,13 4,13 1,7",
}


def _chart_legend(user) -> dict:
    kinds = []
    for value, label in EntityKind.choices:
        shape, colour = charts.KIND_STYLE.get(value, charts.DEFAULT_KIND_STYLE)
        kinds.append(
            {"value": value, "label": label, "shape": LEGEND_SHAPES[shape], "colour": colour}
        )
    strengths = [
        {
            "value": value,
            "label": label,
            "width": charts.STRENGTH_STYLE[value][0],
            "dash": charts.STRENGTH_STYLE[value][1],
        }
        for value, label in LinkStrength.choices
    ]
    return {
        "kinds": kinds,
        "strengths": strengths,
        "link_kinds": LinkKind.choices,
        # Only the compartments the reader holds: no other is ever named here.
        "compartments": charts.held_compartments(user),
    }


def _chart_page_data(chart: Chart, drawn: charts.Drawing, can_change: bool) -> dict:
    """What static/js/link-chart.js needs: the drawing, the addresses it calls, the labels."""
    entity_url = reverse("intelligence:entity_detail", args=[0])
    return {
        "chart": chart.pk,
        "nodes": drawn.nodes,
        "edges": drawn.edges,
        "can_change": can_change,
        "urls": {
            "neighbours": reverse("graph-neighbours"),
            "path": reverse("graph-path"),
            "chart": reverse("chart-detail", args=[chart.pk]),
            "entities": reverse("chart-entities", args=[chart.pk]),
            "entity": entity_url.replace("/0/", "/{id}/"),
        },
        "entity_kinds": {value: str(label) for value, label in EntityKind.choices},
        # The period boxes take the language's date shape (or ISO 8601); the script keeps ISO.
        "date_shape": str(get_format("DATE_INPUT_FORMATS")[0]),
        "kind_style": {k: {"shape": v[0], "colour": v[1]} for k, v in charts.KIND_STYLE.items()},
        "strength_style": {
            k: {"width": v[0], "dash": v[1]} for k, v in charts.STRENGTH_STYLE.items()
        },
        "link_kinds": {value: str(label) for value, label in LinkKind.choices},
        "strengths": {value: str(label) for value, label in LinkStrength.choices},
        "text": {
            "saved": _("Chart saved."),
            "not_saved": _("The chart was not saved: %(reason)s"),
            "no_path": _("No path between these entities over links you may see."),
            "path_found": _("Links on the shortest path: %(n)s (in red)."),
            "choose_two": _("Select two entities (hold Ctrl or long-press) to find a path."),
            "choose_one": _("Select an entity to expand."),
            "added": _("Entities added: %(n)s."),
            "nothing_new": _("No further entities linked to it that you may see."),
            "not_found": _("No entity visible to you has this id."),
            "failed": _("The request failed (%(status)s)."),
            "truncated": _("Only part of the neighbourhood was added (too large)."),
            "open_page": _("Open the entity's page"),
            "kind": _("Kind"),
            "links": _("Links on the chart"),
            "labels_hidden": _("Labels are hidden at this zoom: zoom in to read them."),
            "unsaved": _("Unsaved changes."),
            "found": _("Entities found: %(found)s; added to the chart: %(n)s."),
            "found_none": _("No entity visible to you matches this search."),
            "type_more": _("Type at least two characters to search."),
            "operation_none": _("The operation gathers no entity you may see."),
            "operation_added": _("Entities of the operation added: %(n)s."),
            "operation_truncated": _("Only the first %(n)s entities of the operation were added."),
            "bad_dates": _("The end of the period comes before its start."),
            "bad_date": _("Type a date as %(shape)s or %(iso)s."),
        },
    }


class ChartDetailView(RestrictedDetailView):
    """A saved chart: the entities the reader may see among those placed and their links."""

    model = Chart
    permission_required = "operations.view_operation"
    template_name = "operations/chart.html"
    context_object_name = "chart"

    def get_object(self, queryset=None):
        queryset = Chart.objects.select_related("operation", "created_by")
        return visible_or_404(self.request.user, queryset, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chart, user = self.object, self.request.user
        drawn = charts.drawing(user, chart)
        charts.record_view(chart, drawn, via="page")
        can_change = user.has_perm("operations.change_operation") and chart.operation.is_open
        context.update(
            {
                "operation": chart.operation,
                "drawn": drawn,
                "chart_data": _chart_page_data(chart, drawn, can_change),
                "can_change": can_change,
                "start_form": ChartStartForm(user=user),
                "legend": _chart_legend(user),
                "date_hint": shape_hint(str(get_format("DATE_INPUT_FORMATS")[0])),
            }
        )
        return context


class ChartExportView(RestrictedViewMixin, View):
    """The chart as GraphML, SVG or CSV (two files in a zip): only the entities and links the
    reader may see, narrowed by the page's filters (the query string); an audited export."""

    model = Chart
    permission_required = "operations.view_operation"
    export_format = "graphml"

    def get(self, request, pk):
        chart = visible_or_404(request.user, Chart.objects.select_related("operation"), pk)
        try:
            filters = charts.parse_filters(request.user, request.GET)
        except ValidationError as exc:
            text = " ".join(
                f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()
            )
            return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
        drawn = charts.filtered(charts.drawing(request.user, chart), filters)
        charts.record_export(
            chart, drawn, via="page", export_format=self.export_format, filters=filters
        )
        exported = charts.export(chart, drawn, self.export_format)
        response = HttpResponse(exported.body, content_type=exported.content_type)
        stem = slugify(f"{chart.operation.reference}-{chart.title}") or f"chart-{chart.pk}"
        response["Content-Disposition"] = f'attachment; filename="{stem}.{exported.extension}"'
        # Exports carry intelligence: never keep them in a shared or browser cache.
        response["Cache-Control"] = "no-store"
        return response


class ChartDeleteView(RecordPostView):
    model = Chart
    permission_required = "operations.change_operation"
    recheck_visibility = False
    name_fields = False
    success_message = gettext_lazy("Chart deleted.")

    def run(self, request, chart):
        charts.delete_chart(chart, actor=request.user)
        self._deleted = True

    def get_success_url(self):
        if getattr(self, "_deleted", False):
            return self.record.operation.get_absolute_url()
        return self.record.get_absolute_url()
