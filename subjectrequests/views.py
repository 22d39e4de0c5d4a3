"""Data-subject request pages: the register, registering a request, the request with its
search, hits and decisions, rectification and erasure, the letter and the answer.

Only the data-protection officer (the oversight role) reaches them (``handles_requests``). A
request is its own purpose: no justification is asked, and every event written here carries
the request (``services.acting_for``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.views import (
    CreateFormView,
    RecordActionMixin,
    RecordPostView,
    RestrictedListView,
)
from subjectrequests import letters, services
from subjectrequests.choices import Decision, HitKind, RequestKind, RequestStatus
from subjectrequests.forms import DecisionForm, EraseForm, RectifyForm, RequestForm
from subjectrequests.models import REVIEW_NOTICE_DAYS, SubjectRequest


class OfficerMixin:
    """Requests are the data-protection officer's (``SubjectRequest.objects.visible_to``:
    anyone else, a superuser included, finds none). The request is the purpose: no
    justification is asked."""

    model: Any = SubjectRequest
    requires_justification = False


class RequestListView(OfficerMixin, RestrictedListView):
    template_name = "subjectrequests/list.html"
    sort_columns = {
        "reference": "reference",
        "received": "received_on",
        "deadline": "deadline",
        "kind": "kind",
        "status": "status",
    }
    default_sort = "deadline"

    def status(self) -> str:
        value = self.request.GET.get("status", RequestStatus.OPEN)
        return value if value in (*RequestStatus.values, "all") else RequestStatus.OPEN

    def get_queryset(self):
        queryset = self.get_base_queryset()
        if self.status() != "all":
            queryset = queryset.filter(status=self.status())
        if self.request.GET.get("reviews"):
            horizon = timezone.localdate() + timedelta(days=REVIEW_NOTICE_DAYS)
            queryset = queryset.filter(
                hits__decision=Decision.RESTRICT, hits__review_on__lte=horizon
            ).distinct()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            {
                "statuses": RequestStatus.choices,
                "status": self.status(),
                "reviews": bool(self.request.GET.get("reviews")),
                "today": today,
                "overdue_count": SubjectRequest.objects.overdue(today).count(),
                "reviews_due": services.due_reviews(today).count(),
                "deadline_rule": services.deadlines.rule(),
            }
        )
        return context


class RequestCreateView(OfficerMixin, CreateFormView):
    permission_required = "subjectrequests.add_subjectrequest"
    template_name = "subjectrequests/form.html"
    form_class = RequestForm

    def get_initial(self):
        return {"received_on": timezone.localdate(), "identity_checked_on": timezone.localdate()}

    def create(self, data):
        return services.register_request(actor=self.request.user, data=dict(data))  # type: ignore[arg-type]

    def success_message(self, request):
        return _("Request %(ref)s registered; answer due by %(date)s.") % {
            "ref": request.reference,
            "date": date_format(request.deadline, "SHORT_DATE_FORMAT"),
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "deadline_rule": services.deadlines.rule(),
        }


class RequestDetailView(OfficerMixin, RecordActionMixin, View):
    """The request: the person, the identity check, the search, each hit and its decision."""

    http_method_names = ["get"]

    def get(self, request, pk):
        from django.shortcuts import render

        record = self.record
        hits = list(record.hits.select_related("decided_by").order_by("kind", "id"))
        with services.acting_for(record):
            audit.consultation(
                Action.VIEW,
                obj=record,
                count=len(hits),
                details={"hits": [f"{h.kind}:{h.entity_id or h.report_id}" for h in hits]},
            )
        today = timezone.localdate()
        rows = []
        for hit in hits:
            rows.append(
                {
                    "hit": hit,
                    "form": DecisionForm(
                        initial={
                            "hit": hit.pk,
                            "decision": hit.decision or Decision.DISCLOSE,
                            "ground": hit.ground,
                            "review_on": hit.review_on,
                            "neutral": hit.neutral,
                            "note": hit.note,
                        },
                        prefix=f"hit{hit.pk}",
                    ),
                    "review_due": hit.review_due(today),
                    "rectify": RectifyForm(initial={"hit": hit.pk}, prefix=f"fix{hit.pk}")
                    if record.kind == RequestKind.RECTIFICATION
                    and hit.kind == HitKind.ENTITY
                    and not hit.outcome
                    and hit.decision != Decision.NOT_SUBJECT
                    else None,
                    "erase": EraseForm(initial={"hit": hit.pk}, prefix=f"erase{hit.pk}")
                    if record.kind == RequestKind.ERASURE
                    and hit.kind == HitKind.REPORT
                    and not hit.outcome
                    and hit.decision != Decision.NOT_SUBJECT
                    else None,
                }
            )
        return render(
            request,
            "subjectrequests/detail.html",
            {
                "object": record,
                "rows": rows,
                "entity_rows": [r for r in rows if r["hit"].kind == HitKind.ENTITY],
                "report_rows": [r for r in rows if r["hit"].kind == HitKind.REPORT],
                "undecided": sum(1 for h in hits if not h.decision),
                "overdue": record.is_overdue(today),
                "today": today,
            },
        )


class _RequestPost(OfficerMixin, RecordPostView):
    permission_required = "subjectrequests.change_subjectrequest"
    recheck_visibility = False


def _form(form_class, request, prefix_name: str):
    """Bind the form of the hit named in the POST (its fields carry the hit's prefix)."""
    hit = request.POST.get("hit", "")
    prefix = f"{prefix_name}{hit}" if hit.isdigit() else None
    data = request.POST.copy()
    if prefix:
        data.setdefault(f"{prefix}-hit", hit)
    form = form_class(data, prefix=prefix)
    if not form.is_valid():
        errors = {name.split("-")[-1]: msgs for name, msgs in form.errors.items()}
        raise ValidationError(errors)
    return form


class SearchView(_RequestPost):
    def run(self, request, record):
        hits = services.run_search(record, actor=request.user)
        messages.success(
            request, _("Search done: %(n)s records may hold the person's data.") % {"n": len(hits)}
        )
        if record.search_capped:
            messages.warning(
                request,
                _(
                    "The search found more records than it keeps: add the person's date of "
                    "birth, other names or identifiers to the request and search again."
                ),
            )


class DecideView(_RequestPost):
    success_message = gettext_lazy("Decision recorded.")

    def run(self, request, record):
        data = _form(DecisionForm, request, "hit").cleaned_data
        services.decide(
            record,
            actor=request.user,
            hit=data["hit"],
            decision=data["decision"],
            ground=data.get("ground") or "",
            review_on=data.get("review_on"),
            neutral=data.get("neutral") or False,
            note=data.get("note") or "",
        )


class RectifyView(_RequestPost):
    success_message = gettext_lazy("Entity rectified.")

    def run(self, request, record):
        form = _form(RectifyForm, request, "fix")
        services.rectify(
            record, actor=request.user, hit=form.cleaned_data["hit"], data=form.changes()
        )


class EraseView(_RequestPost):
    success_message = gettext_lazy(
        "Report erased: a tombstone keeps its reference, dates, who and why."
    )

    def run(self, request, record):
        data = _form(EraseForm, request, "erase").cleaned_data
        services.erase(record, actor=request.user, hit=data["hit"], reason=data["reason"])


class AnswerView(_RequestPost):
    success_message = gettext_lazy("Request answered.")
    name_fields = False

    def run(self, request, record):
        services.answer(record, actor=request.user)


class LetterView(OfficerMixin, RecordActionMixin, View):
    http_method_names = ["get"]

    def get(self, request, pk):
        body, name = letters.letter_pdf(self.record)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
