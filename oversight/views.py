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

from audit import services
from audit.choices import Action
from audit.compliance import figures
from audit.integrity import attach_verification, latest_check
from audit.models import Anomaly, AuditEvent, IntegrityCheck
from audit.selectors import filter_events
from ilp_platform.accounts.security import require_recent_auth
from ilp_platform.core.paging import keyset_page
from ilp_platform.web.exports import Column, export_queryset
from oversight.forms import EventFilterForm

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


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_safe
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
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("audit.export_auditevent", raise_exception=True)
@require_recent_auth
@require_safe
def event_export(request):
    form = EventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)
    params = form.params() if form.is_bound else {}
    # The export is itself a consultation, recorded (with the row count) before any row leaves.
    return export_queryset(
        filter_events(params),
        columns=[Column(name, name) for name in EXPORT_COLUMNS],
        stem="audit-events",
        object_type="audit.auditevent",
        filters=params,
        ordering=("-id",),
    )


@login_required
@permission_required("audit.view_integritycheck", raise_exception=True)
@require_safe
def integrity(request):
    if _wants_csv(request):
        return export_queryset(
            IntegrityCheck.objects.all(),
            columns=[Column(name, name) for name in CHECK_COLUMNS],
            stem="audit-integrity-checks",
            object_type="audit.integritycheck",
            ordering=("-started_at", "-id"),
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
            context["checks"] = _recent_checks()
        response = render(request, "audit/_integrity_latest.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    checks = _recent_checks()
    latest = checks[0] if checks else None
    response = render(
        request,
        "audit/integrity.html",
        {
            "checks": checks,
            "latest": latest,
            "event_count": AuditEvent.objects.count(),
            "compliance": figures(),
            **_waiting(request, latest),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _recent_checks() -> list[IntegrityCheck]:
    return attach_verification(IntegrityCheck.objects.order_by("-started_at", "-id")[:10])


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
    waiting = latest is None or latest.started_at < requested
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
    if _wants_csv(request):
        return export_queryset(
            Anomaly.objects.all(),
            columns=[Column(name, name) for name in ANOMALY_COLUMNS],
            stem="audit-anomalies",
            object_type="audit.anomaly",
            ordering=("-day", "kind", "-id"),
        )
    anomalies = Anomaly.objects.order_by("-day", "kind")[:200]
    return render(request, "audit/anomaly_list.html", {"anomalies": anomalies})
