"""The oversight console: the log, who accessed what, integrity and anomalies.

Oversight reads event metadata and object descriptions only; no intelligence text is shown
here, because events never contain it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from audit import anomalies as anomaly_check
from audit import services
from audit.choices import Action
from audit.compliance import figures
from audit.integrity import attach_verification, latest_check
from audit.models import Anomaly, AuditEvent, IntegrityCheck
from audit.selectors import FilterError
from ilp_platform.accounts.security import require_recent_auth
from ilp_platform.web import sorting
from ilp_platform.web.exports import Column, export_queryset
from oversight.forms import EventFilterForm
from oversight.search import find_events, mark_closed_purposes

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
    "purpose_type",
    "purpose_id",
    "recipient",
    "outcome",
    "request_id",
    "ip",
    "via",
    "hash",
)
ANOMALY_COLUMNS = ("day", "actor_username", "kind", "summary", "event_count", "score", "reviewed")
CHECK_COLUMNS = (
    "started_at",
    "finished_at",
    "events_checked",
    "ok",
    "first_bad_event_id",
    "message",
    # Rows as stored: the signature lets a reader with the key check each one.
    "signature",
)


# Each list's columns a person may sort by (URL name -> field), and its default order.
EVENT_SORTS = {
    "id": "id",
    "time": "occurred_at",
    "person": "actor_username",
    "action": "action",
    "object": "object_type",
    "compartment": "compartment",
    "outcome": "outcome",
}
ANOMALY_SORTS = {
    "day": "day",
    "person": "actor_username",
    "kind": "kind",
    "events": "event_count",
    "score": "score",
    "reviewed": "reviewed",
}
CHECK_SORTS = {
    "started": "started_at",
    "seconds": "duration_seconds",  # worked out per row: the ten shown are ordered in Python
    "events": "events_checked",
    "result": "ok",
}


def _wants_csv(request) -> bool:
    """An export of an oversight table; it needs the audit export permission too."""
    if request.GET.get("export") != "csv":
        return False
    if not request.user.has_perm("audit.export_auditevent"):
        services.record_denied(
            object_type="audit.auditevent", reason=f"role lacks export for {request.path}"
        )
        raise PermissionDenied
    return True


def permission_required(perm: str, raise_exception: bool = True):
    """Django's permission check, with the refusal written to the log as a denied event."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                services.record_denied(
                    object_type=perm.split(".", 1)[0] + "." + perm.split("_", 1)[-1],
                    reason=f"role lacks {perm} for {request.path}",
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _filtered_events(form):
    """The events the form's filters find (all when none is given), or None with the bad
    filter named on the form."""
    filters = {k: v for k, v in form.data.items() if k not in ("cursor", "sort", "export")}
    if not filters:
        return AuditEvent.objects.all()
    if not form.is_valid():
        return None
    try:
        return find_events(form.params())
    except FilterError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_safe
def event_list(request):
    form = EventFilterForm(request.GET)
    events = _filtered_events(form)
    sort = sorting.parse(request.GET.get("sort"), EVENT_SORTS, "-id")
    page = sorting.page(
        events if events is not None else AuditEvent.objects.none(),
        sort,
        cursor=request.GET.get("cursor"),
        size=100,
    )
    mark_closed_purposes(page.items)
    services.consultation(
        Action.LIST,
        object_type="audit.auditevent",
        ids=[e.pk for e in page.items],
        details={
            "filters": form.params() if events is not None and form.is_valid() else {},
            "sort": sort.param,
        },
    )
    params = request.GET.copy()
    params.pop("cursor", None)
    # An htmx filter change gets the rows only; a history restore needs the whole page.
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(
        request,
        "audit/_event_rows.html" if partial else "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "page_querystring": params.urlencode(),
            "latest_check": latest_check(),
            "partial": bool(partial),
            **sorting.context(request, sort, EVENT_SORTS),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("audit.export_auditevent", raise_exception=True)
@require_recent_auth
@require_safe
def event_export(request):
    form = EventFilterForm(request.GET)
    events = _filtered_events(form)
    if events is None:
        return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)
    params = form.params() if form.is_valid() else {}
    sort = sorting.parse(request.GET.get("sort"), EVENT_SORTS, "-id")
    # The export is itself a consultation, recorded (with the row count) before any row leaves.
    return export_queryset(
        events,
        columns=[Column(name, name) for name in EXPORT_COLUMNS],
        stem="audit-events",
        object_type="audit.auditevent",
        filters=params,
        ordering=sort.order_by(),
    )


@login_required
@permission_required("audit.view_integritycheck", raise_exception=True)
@require_safe
def integrity(request):
    sort = sorting.parse(request.GET.get("sort"), CHECK_SORTS, "-started")
    if _wants_csv(request):
        return export_queryset(
            IntegrityCheck.objects.all(),
            columns=[Column(name, name) for name in CHECK_COLUMNS],
            stem="audit-integrity-checks",
            object_type="audit.integritycheck",
            ordering=sort.order_by() if sort.column != "seconds" else ("-started_at", "-id"),
        )
    # A row proves nothing by itself (the application's role may insert one): each is shown
    # as intact only when its signature and its event in the log both match.
    if request.headers.get("HX-Request"):
        # The latest result, polled every 2 s while a verification someone asked for runs
        # (only the newest row is read then); once it is there, the table of recent
        # verifications is swapped in beside it (out of band).
        latest = latest_check()
        waiting = _waiting(request, latest)
        context = {"latest": latest, "refresh_checks": not waiting["waiting"], **waiting}
        if not waiting["waiting"]:
            context["checks"] = _recent_checks(sort)
            context.update(sorting.context(request, sort, CHECK_SORTS))
        response = render(request, "audit/_integrity_latest.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    checks = _recent_checks(sort)
    latest = latest_check()
    response = render(
        request,
        "audit/integrity.html",
        {
            "checks": checks,
            "latest": latest,
            **sorting.context(request, sort, CHECK_SORTS),
            "event_count": AuditEvent.objects.count(),
            "compliance": figures(),
            **_waiting(request, latest),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


RECENT_CHECKS = 10  # the table shows the latest ten, in the order chosen; the export has all


def _recent_checks(sort: sorting.Sort | None = None) -> list[IntegrityCheck]:
    recent = list(IntegrityCheck.objects.order_by("-started_at", "-id")[:RECENT_CHECKS])
    if sort is not None and sort.column != "started":
        # Python orders the ten rows: a missing value (a check still running) sorts last.
        recent.sort(key=lambda c: getattr(c, sort.field) is None)
        present = [c for c in recent if getattr(c, sort.field) is not None]
        absent = [c for c in recent if getattr(c, sort.field) is None]
        present.sort(key=lambda c: (getattr(c, sort.field), c.pk), reverse=sort.descending)
        recent = present + absent
    elif sort is not None and not sort.descending:
        recent.reverse()
    return attach_verification(recent)


# How long the page waits for a verification it asked for before saying it has not finished.
VERIFY_WAIT = timedelta(minutes=10)


def _waiting(request, latest) -> dict:
    """``waiting``: a verification was asked for (``?requested=<epoch ms>``, set by "Verify
    now") and no result has started since; ``overdue`` once that is over ``VERIFY_WAIT`` ago."""
    try:
        requested = datetime.fromtimestamp(int(request.GET["requested"]) / 1000, tz=UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return {"waiting": False, "overdue": False}
    now = timezone.now()
    if requested > now + timedelta(minutes=1):
        return {"waiting": False, "overdue": False}
    waiting = not latest or latest.started_at < requested
    return {"waiting": waiting, "overdue": waiting and now - requested > VERIFY_WAIT}


@login_required
@permission_required("audit.view_integritycheck", raise_exception=True)
@require_POST
def integrity_run(request):
    from audit.tasks import verify_audit_chain

    # Asked before the task is sent: a result that starts after this answers the request.
    requested = int(timezone.now().timestamp() * 1000) - 1
    verify_audit_chain.delay()
    services.record(Action.JOB_RUN, object_type="audit.integritycheck", object_repr="verify chain")
    return redirect(f"{reverse('audit:integrity')}?requested={requested}")


@login_required
@permission_required("audit.view_anomaly", raise_exception=True)
@require_safe
def anomaly_list(request):
    sort = sorting.parse(request.GET.get("sort"), ANOMALY_SORTS, "-day")
    if _wants_csv(request):
        return export_queryset(
            Anomaly.objects.all(),
            columns=[Column(name, name) for name in ANOMALY_COLUMNS],
            stem="audit-anomalies",
            object_type="audit.anomaly",
            ordering=sort.order_by(),
        )
    last_run = anomaly_check.last_run()
    waiting = _waiting(request, _RunStart(last_run))
    context = {
        "last_run": last_run,
        "requested_done": "requested" in request.GET and not waiting["waiting"],
        **waiting,
    }
    polled = bool(request.headers.get("HX-Request"))
    if polled and waiting["waiting"]:
        # Polled every 2 s while a check someone asked for runs: the panel alone.
        response = render(request, "audit/_anomaly_run.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    anomalies = list(Anomaly.objects.order_by(*sort.order_by())[:ANOMALY_LIMIT])
    services.consultation(
        Action.LIST,
        object_type="audit.anomaly",
        ids=[a.pk for a in anomalies],
        details={"sort": sort.param},
    )
    context.update(
        {"anomalies": anomalies, **sorting.context(request, sort, ANOMALY_SORTS)},
        # Once the check asked for has ended, the table comes along with its result.
        refresh_anomalies=polled,
    )
    response = render(
        request, "audit/_anomaly_run.html" if polled else "audit/anomaly_list.html", context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


ANOMALY_LIMIT = 200  # the page shows the first 200 in the order chosen; the export has all


class _RunStart:
    """The latest anomaly check seen as ``_waiting`` reads a verification: by its start."""

    def __init__(self, last_run: dict | None):
        self.started_at = last_run["started_at"] if last_run else None

    def __bool__(self) -> bool:
        return self.started_at is not None


@login_required
@permission_required("audit.view_anomaly", raise_exception=True)
@require_POST
def anomaly_run(request):
    from audit.tasks import detect_anomalies

    # Asked before the task is sent: a run that starts after this answers the request.
    requested = int(timezone.now().timestamp() * 1000) - 1
    services.record(Action.JOB_RUN, object_type="audit.anomaly", object_repr="run anomaly check")
    detect_anomalies.delay()
    return redirect(f"{reverse('audit:anomaly_list')}?requested={requested}")
