"""Browser pages for analysis jobs: list, choose a kind, request, follow progress, read results.

Reads go through ``AnalysisJob.objects.visible_to`` (the base views apply it): a job is shown
only to people holding every compartment it read. Opening a result is a consultation (VIEW);
a download is an EXPORT. The progress partial polled by the page shows status only.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from analysis import presentation
from analysis.forms.jobs import JobForm
from analysis.kinds import registry
from analysis.models import AnalysisJob
from analysis.services import jobs as services
from audit import services as audit
from audit.choices import Action
from ilp_platform.core import training
from ilp_platform.core.jobs import JobStatus
from ilp_platform.core.justification import justification_in_force
from ilp_platform.web import purposes
from ilp_platform.web.views import RestrictedDetailView, RestrictedListView, RestrictedViewMixin
from intelligence.models import Incident

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _map_settings() -> dict:
    return {
        "tile_url": settings.ILP.get("MAP_TILE_URL", ""),
        "tile_attribution": settings.ILP.get("MAP_TILE_ATTRIBUTION", ""),
    }


class JobListView(RestrictedListView):
    model = AnalysisJob
    template_name = "analysis/job_list.html"
    page_size = 25

    def get_queryset(self):
        queryset = self.get_base_queryset().select_related("requested_by")
        params = self.request.GET
        if params.get("mine"):
            queryset = queryset.filter(requested_by=self.request.user)
        if registry.get(params.get("kind")):
            queryset = queryset.filter(kind=params["kind"])
        if params.get("status") in JobStatus.values:
            queryset = queryset.filter(status=params["status"])
        return queryset.defer("result", "params")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "kinds": registry.choices(),
                "statuses": JobStatus.choices,
                "filters": self.request.GET,
                "can_run": self.request.user.has_perm(services.RUN_PERMISSION),
            }
        )
        return context


class JobCreateView(RestrictedViewMixin, FormView):
    """``?kind=<kind>``: the parameters of that kind, explained beside each field, the area
    drawn or typed. Without a kind: one card per kind saying what it answers."""

    model = AnalysisJob
    permission_required = services.RUN_PERMISSION
    template_name = "analysis/job_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.kind = registry.get(request.GET.get("kind", ""))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.kind is None:
            return TemplateResponse(
                request,
                "analysis/job_kinds.html",
                {"kinds": [(k.name, k.label, k.description) for k in registry.kinds()]},
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.kind is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return JobForm(**self.get_form_kwargs(), user=self.request.user, kind=self.kind)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "kind": self.kind.name,
                "kind_label": self.kind.label,
                "kind_help": self.kind.description,
                "has_area": "bbox" in context["form"].fields,
                "map": {**_map_settings(), "extent": self._recent_extent()},
            }
        )
        return context

    def _recent_extent(self):
        """Where the user's recent incidents lie, to frame the drawing map (an aggregate only,
        over the latest thousand rows by the time index, so it costs the same at any size)."""
        recent = (
            Incident.objects.visible_to(self.request.user)
            .order_by("-occurred_from")
            .values("pk")[:1000]
        )
        box = Incident.objects.filter(pk__in=recent).aggregate(
            min_lon=Min("longitude"),
            min_lat=Min("latitude"),
            max_lon=Max("longitude"),
            max_lat=Max("latitude"),
        )
        if box["min_lon"] is None:
            return None
        return [box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"]]

    def form_valid(self, form):
        try:
            job = services.request_job(
                actor=self.request.user,
                kind=self.kind.name,
                params=form.params(),
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
            return self.form_invalid(form)
        except PermissionDenied:
            raise
        messages.info(self.request, _("Job queued; this page follows its progress."))
        return redirect(job)


class JobDetailView(RestrictedDetailView):
    """The job: parameters, live progress while it runs, then the result (a consultation)."""

    model = AnalysisJob
    template_name = "analysis/job_detail.html"
    context_object_name = "job"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        result = job.result if job.status == JobStatus.SUCCEEDED else None
        kind = registry.get(job.kind)
        context.update(
            {
                "result": result,
                "compartments": list(job.compartments.values_list("name", flat=True)),
                "params_json": json.dumps(job.params, indent=1, ensure_ascii=False),
                "map": _map_settings(),
                "is_spatial": bool(kind and kind.spatial),
                "map_help": kind.map_help if kind else "",
                "shown_rows": SHOWN_ROWS,
                # Named only when the reader may see it (the reference rule).
                "purpose_label": purposes.describe(self.request.user, job.purpose)
                if job.purpose
                else None,
            }
        )
        if result:
            context["summary"] = presentation.summary_items(result.get("summary"))
            context["tables"] = [
                {**t, "index": k, "shown": t["rows"][:SHOWN_ROWS], "total": len(t["rows"])}
                for k, t in enumerate(result.get("tables") or [])
            ]
            network = result.get("network")
            if network:
                context["network_chart"] = {
                    "nodes": [n for n in network["nodes"] if n.get("in_chart")],
                    "edges": network["edges"],
                }
        return context


SHOWN_ROWS = 25


class JobProgressView(RestrictedViewMixin, SingleObjectMixin, TemplateView):
    """The progress partial the detail page polls; status only, so no consultation event.
    When the job has finished it asks htmx to reload the page, which then shows the result.
    A justification that lapsed while polling sends the whole page to the justification form.
    """

    model = AnalysisJob
    template_name = "analysis/_job_progress.html"

    def dispatch(self, request, *args, **kwargs):
        if (
            request.headers.get("HX-Request")
            and request.user.is_authenticated
            and not justification_in_force()
        ):
            query = urlencode({"next": reverse("analysis:job_detail", args=[kwargs["pk"]])})
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse('core:justification')}?{query}"
            return response
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        job = (
            self.get_base_queryset()
            .filter(pk=kwargs["pk"])
            .only("pk", "status", "progress", "message", "kind", "started_at", "finished_at")
            .first()
        )
        if job is None:
            audit.record_denied(
                object_type="analysis.analysisjob",
                object_id=kwargs["pk"],
                reason="not found or outside the user's compartments",
            )
            raise Http404
        response = self.render_to_response({"job": job})
        if job.is_finished and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class _JobExportView(RestrictedViewMixin, SingleObjectMixin, TemplateView):
    model = AnalysisJob

    def get_job(self, pk) -> AnalysisJob:
        job = self.get_base_queryset().filter(pk=pk, status=JobStatus.SUCCEEDED).first()
        if job is None:
            audit.record_denied(
                object_type="analysis.analysisjob",
                object_id=pk,
                reason="no finished result visible to the user",
            )
            raise Http404
        return job

    def record(self, job, what: str, rows: int) -> None:
        audit.consultation(
            Action.EXPORT,
            obj=job,
            count=rows,
            details={"format": what, "kind": job.kind},
            compartment=",".join(job.params.get("compartments", []))[:60],
        )

    @staticmethod
    def filename(job, suffix: str) -> str:
        stem = slugify(job.title or job.get_kind_display())[:40] or job.kind
        return f"analysis-{job.pk}-{stem}-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"


def _cell(value):
    """Numbers stay numbers; text starting like a formula is neutralised for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _ordered(sample: dict, preferred: list[str]) -> list[str]:
    return [k for k in preferred if k in sample] + sorted(k for k in sample if k not in preferred)


class JobCsvView(_JobExportView):
    """``?table=N`` one result table; ``?table=features`` the map cells or points with their
    figures; ``?table=nodes`` every entity of a network with its measures."""

    def get(self, request, *args, **kwargs):
        job = self.get_job(kwargs["pk"])
        result = job.result or {}
        choice = request.GET.get("table", "0")
        if choice == "features":
            if not result.get("geojson"):
                raise Http404
            features = result["geojson"].get("features") or []
            keys = _ordered(features[0]["properties"] if features else {}, services.FEATURE_COLUMNS)
            headers, rows = keys, [[f["properties"].get(k) for k in keys] for f in features]
            if features and features[0]["geometry"]["type"] == "Point":
                headers = ["longitude", "latitude", *keys]
                rows = [
                    [*f["geometry"]["coordinates"], *row]
                    for f, row in zip(features, rows, strict=True)
                ]
            name = "features"
        elif choice == "nodes":
            if not result.get("network"):
                raise Http404
            nodes = result["network"].get("nodes") or []
            headers = _ordered(nodes[0] if nodes else {}, services.NODE_COLUMNS)
            rows = [[n.get(k) for k in headers] for n in nodes]
            name = "nodes"
        else:
            tables = result.get("tables") or []
            try:
                table = tables[int(choice)]
            except (ValueError, IndexError):
                raise Http404 from None
            headers, rows, name = table["columns"], table["rows"], slugify(table["title"])
        self.record(job, f"csv:{name}", len(rows))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        headers, marked = training.csv_rows(
            [_cell(h) for h in headers], ([_cell(v) for v in row] for row in rows)
        )
        writer.writerow(headers)
        writer.writerows(marked)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.filename(job, name + ".csv")}"'
        )
        return response


class JobGeoJsonView(_JobExportView):
    def get(self, request, *args, **kwargs):
        job = self.get_job(kwargs["pk"])
        collection = (job.result or {}).get("geojson")
        if not collection:
            raise Http404
        self.record(job, "geojson", len(collection.get("features", [])))
        if training.is_training():
            collection = {**collection, "training": True}
        response = HttpResponse(
            json.dumps(collection, ensure_ascii=False), content_type="application/geo+json"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.filename(job, "geojson")}"'
        return response


urlpatterns = [
    path("jobs/", JobListView.as_view(), name="job_list"),
    path("jobs/new/", JobCreateView.as_view(), name="job_create"),
    path("jobs/<int:pk>/", JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/csv/", JobCsvView.as_view(), name="job_csv"),
    path("jobs/<int:pk>/geojson/", JobGeoJsonView.as_view(), name="job_geojson"),
]
