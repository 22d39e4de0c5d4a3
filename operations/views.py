"""Operation pages: the list, one operation with everything it gathers, opening, editing,
gathering records, closing and reopening."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.charts import ring_chart
from ilp_platform.web.exports import csv_response
from ilp_platform.web.views import (
    CreateFormView,
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
)
from intelligence.choices import EntityKind, LinkStrength
from operations import selectors, services
from operations.choices import ItemKind, OperationStatus
from operations.forms import KINDS, CloseForm, GatherForm, OperationForm, TimelineForm
from operations.models import Operation

TIMELINE_ON_PAGE = 40
PLURALS = {
    "reports": _lazy("Reports"),
    "entities": _lazy("Entities"),
    "jobs": _lazy("Analyses"),
    "products": _lazy("Products"),
    "priorities": _lazy("Priorities"),
    "requirements": _lazy("Requirements"),
    "taskings": _lazy("Taskings"),
}
TIMELINE_KINDS = {
    "report": _lazy("report"),
    "link": _lazy("link"),
    "analysis": _lazy("analysis"),
    "product": _lazy("product"),
    "requirement": _lazy("requirement"),
    "tasking": _lazy("tasking"),
    "decision": _lazy("decision"),
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
    success_message = _("Operation saved.")

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
    success_message = _("Added to the operation.")

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
    success_message = _("Taken out of the operation.")

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
    success_message = _("Operation closed: it gathers nothing new.")

    def run(self, request, operation):
        form = CloseForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        services.close_operation(operation, actor=request.user, note=note)


class OperationReopenView(RecordPostView):
    model = Operation
    permission_required = "operations.change_operation"
    recheck_visibility = False
    name_fields = False
    success_message = _("Operation reopened.")

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
