"""Operation pages: the list, one operation with everything it gathers, opening, editing,
gathering records, closing and reopening."""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from audit import services as audit
from audit.choices import Action
from ilp_platform.core.errors import StateConflict
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
    write_visibly,
)
from intelligence.choices import EntityKind, LinkStrength
from operations import selectors, services
from operations.choices import ItemKind, OperationStatus
from operations.forms import KINDS, CloseForm, GatherForm, OperationForm
from operations.models import Operation

TIMELINE_ON_PAGE = 40


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


# The small chart: entities on a circle (a layout that reads the same every time and prints),
# links as lines whose style says how sure the link is. An SVG drawn here: no script, no inline
# style, so it works under the content security policy and in the browser's print.
CHART_WIDTH, CHART_HEIGHT = 640, 420
KIND_COLOURS = {
    "person": "#1f5f8b",
    "organisation": "#d9822b",
    "vehicle": "#2e8540",
    "location": "#6f4e9c",
    "communication": "#b83232",
}
STRENGTH_DASH = {"confirmed": "", "tentative": "6 4", "unconfirmed": "2 4"}


def chart_data(contents: selectors.Contents) -> dict:
    """The operation's entities and the links among them, laid out for the page's chart."""
    entities = contents.lists["entities"]
    count = len(entities)
    radius = min(CHART_WIDTH, CHART_HEIGHT) / 2 - 60
    centre_x, centre_y = CHART_WIDTH / 2, CHART_HEIGHT / 2
    nodes, where = [], {}
    for i, entity in enumerate(entities):
        angle = 2 * math.pi * i / max(count, 1) - math.pi / 2
        x = round(centre_x + (radius if count > 1 else 0) * math.cos(angle), 1)
        y = round(centre_y + (radius if count > 1 else 0) * math.sin(angle), 1)
        where[entity.pk] = (x, y)
        nodes.append(
            {
                "id": entity.pk,
                "name": entity.name,
                "kind": entity.get_kind_display(),
                "shape": "circle" if entity.kind == "person" else "square",
                "colour": KIND_COLOURS.get(entity.kind, "#5a6570"),
                "x": x,
                "y": y,
                "corner_x": round(x - 9, 1),
                "corner_y": round(y - 9, 1),
                "label_y": round(y + 22, 1),
                "anchor": "middle",
                "url": entity.get_absolute_url(),
            }
        )
    edges = []
    for link in contents.lists["links"]:
        if link.from_entity_id in where and link.to_entity_id in where:
            (x1, y1), (x2, y2) = where[link.from_entity_id], where[link.to_entity_id]
            edges.append(
                {
                    "x1": x1,
                    "y1": y1,
                    "x2": x2,
                    "y2": y2,
                    "title": f"{link.from_entity.name} – {link.get_kind_display()} – "
                    f"{link.to_entity.name} ({link.get_strength_display()})",
                    "dash": STRENGTH_DASH.get(link.strength, ""),
                }
            )
    legend = [
        {
            "label": label,
            "colour": KIND_COLOURS[value],
            "shape": "circle" if value == "person" else "square",
        }
        for value, label in EntityKind.choices
        if value in KIND_COLOURS
    ]
    strengths = [(label, STRENGTH_DASH[value]) for value, label in LinkStrength.choices]
    return {
        "nodes": nodes,
        "edges": edges,
        "legend": legend,
        "strengths": strengths,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }


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
                "kinds": [(kind, label) for kind, label in ItemKind.choices],
                "timeline": timeline,
                "team": operation.team.order_by("username"),
                "chart": chart_data(contents),
                "can_change": can_change,
                "gather_form": GatherForm(user=user) if can_change and operation.is_open else None,
                "close_form": CloseForm() if can_change and operation.is_open else None,
            }
        )
        return context


class OperationCreateView(RestrictedViewMixin, FormView):
    model = Operation
    permission_required = "operations.add_operation"
    template_name = "operations/form.html"
    form_class = OperationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            operation = write_visibly(
                self.request.user,
                lambda: services.open_operation(
                    actor=self.request.user, data=dict(form.cleaned_data)
                ),
            )
        except (ValidationError, StateConflict) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Operation opened."))
        return HttpResponseRedirect(operation.get_absolute_url())

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
