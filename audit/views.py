"""The oversight console: the log, who accessed what, integrity and anomalies.

Oversight reads event metadata and object descriptions only; no intelligence text is shown
here, because events never contain it.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import services
from audit.choices import Action
from audit.compliance import figures
from audit.forms import EventFilterForm
from audit.models import Anomaly, AuditEvent, IntegrityCheck
from audit.selectors import filter_events
from ilp_platform.core.paging import keyset_page

EXPORT_COLUMNS = (
    "id",
    "occurred_at",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "compartment",
    "justification",
    "recipient",
    "outcome",
    "request_id",
    "ip",
    "via",
    "hash",
)
EXPORT_BATCH = 2000


def neutralise_cell(value) -> str:
    """Stop spreadsheet formula injection: a cell starting with = + - @ is prefixed with '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request):
    form = EventFilterForm(request.GET or None)
    events = AuditEvent.objects.none()
    if form.is_bound and form.is_valid():
        events = filter_events(form.params())
    elif not form.is_bound:
        events = AuditEvent.objects.all()
    page = keyset_page(events, cursor=request.GET.get("cursor"), size=100, field="id")
    services.consultation(
        Action.LIST,
        object_type="audit.auditevent",
        ids=[e.pk for e in page.items],
        details={"filters": form.params() if form.is_bound and form.is_valid() else {}},
    )
    params = request.GET.copy()
    params.pop("cursor", None)
    template = (
        "audit/_event_rows.html" if request.headers.get("HX-Request") else "audit/event_list.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "page_querystring": params.urlencode(),
            "latest_check": IntegrityCheck.objects.order_by("-started_at").first(),
        },
    )


@login_required
@permission_required("audit.export_auditevent", raise_exception=True)
def event_export(request):
    form = EventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)
    params = form.params() if form.is_bound else {}
    events = filter_events(params)
    # The export is itself a consultation, recorded before any row leaves.
    services.record(
        Action.EXPORT,
        object_type="audit.auditevent",
        details={"filters": params, "format": "csv"},
    )

    class Echo:
        def write(self, value):
            return value

    def rows():
        writer = csv.writer(Echo())
        yield writer.writerow(EXPORT_COLUMNS)
        last_id = None
        while True:
            batch = events.order_by("-id")
            if last_id is not None:
                batch = batch.filter(id__lt=last_id)
            chunk = list(batch.values_list(*EXPORT_COLUMNS)[:EXPORT_BATCH])
            if not chunk:
                return
            for row in chunk:
                yield writer.writerow([neutralise_cell(v) for v in row])
            last_id = chunk[-1][0]

    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
    return response


@login_required
@permission_required("audit.view_integritycheck", raise_exception=True)
def integrity(request):
    checks = IntegrityCheck.objects.order_by("-started_at")[:10]
    return render(
        request,
        "audit/integrity.html",
        {
            "checks": checks,
            "latest": checks[0] if checks else None,
            "event_count": AuditEvent.objects.count(),
            "compliance": figures(),
        },
    )


@login_required
@permission_required("audit.view_integritycheck", raise_exception=True)
@require_POST
def integrity_run(request):
    from audit.tasks import verify_audit_chain

    verify_audit_chain.delay()
    services.record(Action.JOB_RUN, object_type="audit.integritycheck", object_repr="verify chain")
    return redirect("audit:integrity")


@login_required
@permission_required("audit.view_anomaly", raise_exception=True)
def anomaly_list(request):
    anomalies = Anomaly.objects.order_by("-day", "kind")[:200]
    return render(request, "audit/anomaly_list.html", {"anomalies": anomalies})
