"""Browser pages for tasking and co-ordination. Thin: parse input, call a service or selector,
render. Reads go through ``visible_to``; writes through ``tasking.services``, undone when the
result would fall outside the author's reach."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from audit import services as audit
from audit.choices import Action
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.justification import justification_in_force
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
    errors_to_messages,
    visible_or_404,
    write_visibly,
)
from intelligence.models import Report
from intelligence.views import ReportCreateView
from tasking import exports, minutes, scoring, selectors, services
from tasking.choices import MeetingStatus, PriorityStatus, RequirementStatus, TaskingStatus
from tasking.filters import DecisionFilter
from tasking.forms import (
    AnswerForm,
    CompleteForm,
    DecisionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    MeetingForm,
    PriorityDecisionForm,
    PriorityForm,
    RequirementForm,
    ScoreForm,
    TaskingForm,
)
from tasking.models import Decision, ExtensionRequest, Meeting, Priority, Requirement, Tasking

PRIORITY_LIST_LIMIT = 200  # priorities are tens to hundreds; a ranked list shows them whole


def _errors_to_messages(request, form) -> None:
    errors_to_messages(request, form.errors, {k: f.label or "" for k, f in form.fields.items()})


def _run(form, call):
    """Call a service for a form: its errors land beside the fields; returns the result or None."""
    try:
        return call()
    except (ValidationError, StateConflict) as exc:
        apply_errors(form, exc)
        return None


# --- Meetings ---------------------------------------------------------------------------------


class MeetingListView(RestrictedListView):
    model = Meeting
    template_name = "tasking/meeting_list.html"

    def get_queryset(self):
        queryset = self.get_base_queryset().select_related("chair", "compartment")
        status = self.request.GET.get("status")
        if status in MeetingStatus.values:
            queryset = queryset.filter(status=status)
        return queryset.annotate(decision_count=Count("decisions"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = MeetingStatus.choices
        return context


class MeetingCreateView(RestrictedViewMixin, FormView):
    model = Meeting
    form_class = MeetingForm
    template_name = "tasking/form.html"
    permission_required = "tasking.add_meeting"
    requires_justification = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Plan a tasking meeting")}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees", [])
        meeting = _run(
            form,
            lambda: write_visibly(
                self.request.user,
                lambda: services.create_meeting(
                    actor=self.request.user, data=data, attendees=attendees
                ),
            ),
        )
        if meeting is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Meeting planned."))
        return redirect(meeting)


class MeetingDetailView(RestrictedDetailView):
    model = Meeting
    template_name = "tasking/meeting_detail.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("chair", "compartment")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        agenda = selectors.agenda_for(meeting, user)
        audit.consultation(
            Action.LIST,
            object_type="tasking.meeting",
            object_id=meeting.pk,
            details={"part": "agenda", "live": agenda.live, **exports.agenda_ids(agenda)},
        )
        context.update(
            {
                "agenda": agenda,
                "can_change": user.has_perm("tasking.change_meeting"),
                "can_decide_priority": meeting.is_open
                and user.has_perm("tasking.approve_priority"),
                **minutes_context(meeting, user),
            }
        )
        return context


def minutes_context(meeting, user, form=None) -> dict:
    """The minutes block of the meeting page: numbered as in the exports (``tasking.minutes``)."""
    can_record = meeting.is_open and user.has_perm("tasking.add_decision")
    if can_record and form is None:
        form = DecisionForm(user=user, meeting=meeting)
    built = minutes.build(meeting, user)
    return {
        "meeting": meeting,
        "minutes": built,
        "attendees": built.attendees,
        "decisions": built.decisions,
        "actions": built.actions,
        "decision_form": form if can_record else None,
    }


class _MeetingAction(RecordPostView):
    model = Meeting
    permission_required = "tasking.change_meeting"
    # Opening and closing change state only: the meeting stays where it is.
    recheck_visibility = False
    name_fields = False


class MeetingOpenView(_MeetingAction):
    success_message = gettext_lazy("Meeting open: the agenda is fixed as it stood now.")

    def run(self, request, meeting):
        services.open_meeting(meeting, actor=request.user)


class MeetingCloseView(_MeetingAction):
    success_message = gettext_lazy("Meeting closed: its decisions are now read-only.")

    def run(self, request, meeting):
        services.close_meeting(meeting, actor=request.user)


class DecisionAddView(RestrictedViewMixin, TemplateView):
    """Record a decision; with htmx the minutes block is swapped in place."""

    model = Decision
    permission_required = "tasking.add_decision"
    http_method_names = ["post"]

    def post(self, request, pk):
        meeting = visible_or_404(request.user, Meeting, pk)
        form = DecisionForm(request.POST, user=request.user, meeting=meeting)
        saved = None
        if form.is_valid():
            data, products, reports = form.service_args()
            saved = _run(
                form,
                lambda: write_visibly(
                    request.user,
                    lambda: services.record_decision(
                        meeting,
                        actor=request.user,
                        data=data,
                        evidence_products=products,
                        evidence_reports=reports,
                    ),
                ),
            )
        if request.headers.get("HX-Request"):
            meeting.refresh_from_db()
            context = minutes_context(meeting, request.user, None if saved else form)
            context["just_saved"] = saved
            return render(request, "tasking/_minutes.html", context)
        if saved is None:
            _errors_to_messages(request, form)
        else:
            messages.success(request, _("Decision recorded."))
        return redirect(meeting)


class PriorityDecideView(RestrictedViewMixin, FormView):
    """Approve or reject a candidate at an open meeting, with the rationale."""

    model = Priority
    form_class = PriorityDecisionForm
    template_name = "tasking/priority_decide.html"
    permission_required = "tasking.approve_priority"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.meeting = visible_or_404(request.user, Meeting, kwargs["pk"])
            self.priority = visible_or_404(
                request.user,
                selectors.with_visible_subject(request.user, Priority.objects.all()),
                kwargs["priority_pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit.consultation(Action.VIEW, obj=self.priority)
        context.update(
            {
                "meeting": self.meeting,
                "priority": self.priority,
                "evidence": selectors.visible_evidence(
                    self.request.user, self.priority, "evidence_products"
                ),
                "own_candidate": self.priority.proposed_by_id == self.request.user.pk,
            }
        )
        return context

    def form_valid(self, form):
        approve = form.cleaned_data["outcome"] == "approve"
        decision = _run(
            form,
            lambda: services.decide_priority(
                self.priority,
                actor=self.request.user,
                meeting=self.meeting,
                approve=approve,
                rationale=form.cleaned_data["rationale"],
                review_due=form.cleaned_data.get("review_due"),
                evidence_reports=form.cleaned_data["evidence_reports"],
            ),
        )
        if decision is None:
            return self.form_invalid(form)
        messages.success(
            self.request, _("Priority approved.") if approve else _("Priority rejected.")
        )
        return redirect(self.meeting)


class MinutesExportView(RestrictedViewMixin, TemplateView):
    model = Meeting
    permission_required = ("tasking.view_meeting", "tasking.view_decision")

    def get(self, request, pk):
        meeting = visible_or_404(request.user, Meeting.objects.select_related("compartment"), pk)
        fmt = request.GET.get("as", "pdf")
        if fmt not in ("pdf", "html"):
            return HttpResponse(_("Choose pdf or html."), status=400)
        body, content_type, filename = exports.minutes(meeting, request.user, fmt)
        response = HttpResponse(body, content_type=content_type)
        disposition = "attachment" if fmt == "pdf" else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        return response


# --- Priorities -------------------------------------------------------------------------------


class PriorityListView(RestrictedViewMixin, TemplateView):
    model = Priority
    template_name = "tasking/priority_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", PriorityStatus.CANDIDATE)
        queryset = selectors.with_visible_subject(
            self.request.user,
            Priority.objects.visible_to(self.request.user).select_related(
                "proposed_by", "crime_type", "subject_entity"
            ),
        )
        if status in PriorityStatus.values:
            queryset = queryset.filter(status=status)
        priorities = list(queryset.ranked()[:PRIORITY_LIST_LIMIT])
        audit.consultation(
            Action.LIST,
            object_type="tasking.priority",
            ids=[p.pk for p in priorities],
            details={"filters": {"status": status}},
        )
        context.update(
            {
                "priorities": priorities,
                "status": status,
                "statuses": PriorityStatus.choices,
                "limit": PRIORITY_LIST_LIMIT,
            }
        )
        return context


class PriorityCreateView(RestrictedViewMixin, FormView):
    model = Priority
    form_class = PriorityForm
    template_name = "tasking/form.html"
    permission_required = "tasking.add_priority"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Propose a candidate priority")}

    def form_valid(self, form):
        data, products = form.service_data()
        priority = _run(
            form,
            lambda: write_visibly(
                self.request.user,
                lambda: services.propose_priority(
                    actor=self.request.user, data=data, evidence_products=products
                ),
            ),
        )
        if priority is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Candidate proposed. Now score it."))
        return redirect("tasking:priority_score", pk=priority.pk)


class PriorityDetailView(RestrictedDetailView):
    model = Priority
    template_name = "tasking/priority_detail.html"

    def get_base_queryset(self):
        return selectors.with_visible_subject(
            self.request.user,
            super()
            .get_base_queryset()
            .select_related("proposed_by", "decided_by", "crime_type", "subject_entity"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        priority, user = self.object, self.request.user
        context.update(
            {
                "evidence": selectors.visible_evidence(user, priority, "evidence_products"),
                "decisions": selectors.visible_decisions(user).filter(priority=priority),
                "taskings": Tasking.objects.visible_to(user)
                .filter(priority=priority)
                .select_related("owner_user", "owner_unit"),
                "requirements": selectors.requirements_with_coverage(user).filter(
                    priority=priority
                ),
                "open_meetings": Meeting.objects.visible_to(user).filter(status=MeetingStatus.OPEN),
                "decided_at_meeting_visible": priority.decided_at_meeting_id
                and Meeting.objects.visible_to(user)
                .filter(pk=priority.decided_at_meeting_id)
                .exists(),
            }
        )
        return context


class PriorityScoreView(RestrictedViewMixin, FormView):
    """Score on a matrix; the factors' meanings and weights are beside each choice."""

    model = Priority
    form_class = ScoreForm
    template_name = "tasking/priority_score.html"
    permission_required = "tasking.change_priority"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.priority = visible_or_404(request.user, Priority, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # The form shows the priority and its current inputs: a consultation, as on its page.
        audit.consultation(Action.VIEW, obj=self.priority)
        return super().get(request, *args, **kwargs)

    def matrix_key(self) -> str:
        key = self.request.POST.get("matrix") or self.request.GET.get("matrix")
        if key in scoring.matrices():
            return key
        if self.priority.matrix in scoring.matrices():
            return self.priority.matrix
        return scoring.default_matrix_key()

    def get_form_kwargs(self):
        key = self.matrix_key()
        initial = self.priority.score_inputs if self.priority.matrix == key else None
        return {**super().get_form_kwargs(), "matrix_key": key, "initial_inputs": initial}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "priority": self.priority,
                "matrices": scoring.matrix_choices(),
                "current_matrix": self.matrix_key(),
            }
        )
        return context

    def form_valid(self, form):
        try:
            saved = services.score_priority(
                self.priority, actor=self.request.user, matrix=form.matrix.key, inputs=form.inputs()
            )
        except (ValidationError, StateConflict) as exc:
            form.apply(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Scored %(score)s (%(band)s).")
            % {"score": saved.score, "band": saved.score_band or "-"},
        )
        return redirect(saved)


class ControlStrategyView(RestrictedViewMixin, TemplateView):
    model = Priority
    template_name = "tasking/control_strategy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        strategy = selectors.control_strategy(self.request.user)
        audit.consultation(
            Action.LIST,
            object_type="tasking.priority",
            ids=[p.pk for p in strategy["priorities"]],
            details={"part": "control strategy"},
        )
        context.update(strategy)
        return context


# --- Requirements -----------------------------------------------------------------------------


class RequirementListView(RestrictedListView):
    model = Requirement
    template_name = "tasking/requirement_list.html"

    def get_queryset(self):
        status = self.request.GET.get("status", RequirementStatus.OPEN)
        queryset = self.get_base_queryset()
        if status in RequirementStatus.values:
            queryset = queryset.filter(status=status)
        self.filtered = queryset
        return selectors.requirements_with_coverage(self.request.user, queryset).select_related(
            "priority", "assigned_unit", "assigned_to"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible_reports = Report.objects.visible_to(self.request.user).values("pk")
        totals = self.filtered.aggregate(
            total=Count("pk", distinct=True),
            answered=Count("pk", filter=Q(answers__report__in=visible_reports), distinct=True),
            reports=Count("answers", filter=Q(answers__report__in=visible_reports)),
        )
        totals["share"] = (
            round(100 * totals["answered"] / totals["total"]) if totals["total"] else None
        )
        context.update(
            {
                "coverage": totals,
                "statuses": RequirementStatus.choices,
                "status": self.request.GET.get("status", RequirementStatus.OPEN),
                "today": timezone.localdate(),
            }
        )
        return context


class RequirementDetailView(RestrictedDetailView):
    model = Requirement
    template_name = "tasking/requirement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requirement, user = self.object, self.request.user
        context.update(
            {
                "answers": requirement.answers.filter(
                    report__in=Report.objects.visible_to(user).values("pk")
                ).select_related("report", "linked_by"),
                "taskings": Tasking.objects.visible_to(user).filter(requirement=requirement),
                "answer_form": AnswerForm(user=user)
                if user.has_perm("tasking.answer_requirement")
                and requirement.status != RequirementStatus.CANCELLED
                else None,
                "priority_visible": requirement.priority_id
                and Priority.objects.visible_to(user).filter(pk=requirement.priority_id).exists(),
                "raised_at_meeting_visible": requirement.raised_at_meeting_id
                and Meeting.objects.visible_to(user)
                .filter(pk=requirement.raised_at_meeting_id)
                .exists(),
            }
        )
        return context


class RequirementAnswerView(RestrictedViewMixin, TemplateView):
    model = Requirement
    permission_required = "tasking.answer_requirement"
    http_method_names = ["post"]

    def post(self, request, pk):
        requirement = visible_or_404(request.user, Requirement, pk)
        form = AnswerForm(request.POST, user=request.user)
        if form.is_valid():
            _run(
                form,
                lambda: services.answer_requirement(
                    requirement,
                    actor=request.user,
                    report=form.cleaned_data["report"],
                    note=form.cleaned_data["note"],
                ),
            )
        if form.errors:
            _errors_to_messages(request, form)
        else:
            messages.success(request, _("Report marked as answering the requirement."))
        return redirect(requirement)


class _RaisedAtMeeting(RestrictedViewMixin, FormView):
    """Raise a record, at an open meeting when the URL names one."""

    template_name = "tasking/form.html"
    meeting = None

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("pk") and request.user.is_authenticated and self.has_permission():
            self.meeting = visible_or_404(request.user, Meeting, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        priority = self.request.GET.get("priority")
        if priority and priority.isdigit():
            kwargs.setdefault("initial", {})["priority"] = int(priority)
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": self.title, "meeting": self.meeting}

    def form_valid(self, form):
        obj = _run(
            form,
            lambda: write_visibly(self.request.user, lambda: self.create(dict(form.cleaned_data))),
        )
        if obj is None:
            return self.form_invalid(form)
        messages.success(self.request, self.done)
        return redirect(self.meeting or obj)


class RequirementCreateView(_RaisedAtMeeting):
    model = Requirement
    form_class = RequirementForm
    permission_required = "tasking.add_requirement"
    title = gettext_lazy("Raise an intelligence requirement")
    done = gettext_lazy("Intelligence requirement raised.")

    def create(self, data):
        return services.raise_requirement(actor=self.request.user, data=data, meeting=self.meeting)


class TaskingCreateView(_RaisedAtMeeting):
    model = Tasking
    form_class = TaskingForm
    permission_required = "tasking.add_tasking"
    title = gettext_lazy("Raise a tasking")
    done = gettext_lazy("Tasking raised.")

    def create(self, data):
        return services.create_tasking(actor=self.request.user, data=data, meeting=self.meeting)


# --- Taskings ---------------------------------------------------------------------------------


class TaskingListView(RestrictedListView):
    model = Tasking
    template_name = "tasking/tasking_list.html"
    mine = False

    def get_queryset(self):
        queryset = self.get_base_queryset().select_related("owner_user", "owner_unit", "priority")
        if self.mine:
            queryset = queryset.owned_by(self.request.user)
        status = self.request.GET.get("status", "active")
        if status == "active":
            queryset = queryset.active()
        elif status in TaskingStatus.values:
            queryset = queryset.filter(status=status)
        if self.request.GET.get("overdue"):
            queryset = queryset.overdue()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "mine": self.mine,
                "today": timezone.localdate(),
                "statuses": [("active", _("Open or in progress")), *TaskingStatus.choices],
                "status": self.request.GET.get("status", "active"),
            }
        )
        return context


class MyTaskingsView(TaskingListView):
    mine = True


class TaskingDetailView(RestrictedDetailView):
    model = Tasking
    template_name = "tasking/tasking_detail.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("owner_user", "owner_unit", "priority", "requirement")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasking, user = self.object, self.request.user
        can_complete = tasking.is_active and (
            tasking.is_owned_by(user) or user.has_perm("tasking.change_tasking")
        )
        extensions = list(
            ExtensionRequest.objects.visible_to(user)
            .filter(tasking=tasking)
            .select_related("requested_by", "decided_by")
        )
        pending = next((e for e in extensions if e.is_pending), None)
        context.update(
            {
                "extensions": extensions,
                "can_ask_extension": tasking.is_active
                and pending is None
                and tasking.is_owned_by(user),
                "extension_form": ExtensionRequestForm(),
                "can_decide_extension": pending is not None
                and pending.requested_by_id != user.pk
                and user.has_perm("tasking.change_tasking"),
                "can_report": can_complete and user.has_perm("intelligence.add_report"),
                "evidence": selectors.visible_evidence(
                    user, tasking, "cited_products", "cited_reports"
                ),
                "priority_visible": Priority.objects.visible_to(user)
                .filter(pk=tasking.priority_id)
                .exists(),
                "complete_form": CompleteForm(user=user) if can_complete else None,
            }
        )
        return context


class TaskingCompleteView(RestrictedViewMixin, TemplateView):
    model = Tasking
    http_method_names = ["post"]

    def post(self, request, pk):
        tasking = visible_or_404(request.user, Tasking, pk)
        form = CompleteForm(request.POST, user=request.user)
        if form.is_valid():
            _run(
                form,
                lambda: services.complete_tasking(
                    tasking,
                    actor=request.user,
                    result=form.cleaned_data["result"],
                    cited_reports=form.cleaned_data["cited_reports"],
                    cited_products=form.cleaned_data["cited_products"],
                ),
            )
        if form.errors:
            _errors_to_messages(request, form)
        else:
            messages.success(request, _("Result recorded; the tasking is complete."))
        return redirect(tasking)


class TaskingExtensionRequestView(RecordFormView):
    """The owner asks for more time: a new deadline and why (a manager decides)."""

    model = Tasking
    form_class = ExtensionRequestForm
    template_name = "tasking/tasking_extension.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tasking": self.record}

    def run(self, form):
        request = services.request_extension(
            self.record,
            actor=self.request.user,
            due_date=form.cleaned_data["due_date"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(self.request, _("More time asked for: a manager will grant or refuse it."))
        return request


class TaskingExtensionDecideView(RecordFormView):
    """A manager who sees the tasking grants or refuses its owner's request for more time."""

    model = ExtensionRequest
    form_class = ExtensionDecisionForm
    template_name = "tasking/tasking_extension.html"
    permission_required = "tasking.change_tasking"

    def record_queryset(self):
        return ExtensionRequest.objects.select_related("tasking", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"tasking": self.record.tasking, "extension": self.record})
        return context

    def run(self, form):
        grant = form.cleaned_data["decision"] == "grant"
        request = services.decide_extension(
            self.record,
            actor=self.request.user,
            grant=grant,
            note=form.cleaned_data.get("decision_note", ""),
        )
        messages.success(
            self.request,
            _("More time granted: the tasking is now due %(date)s.")
            % {"date": request.requested_due_date.isoformat()}
            if grant
            else _("Request for more time refused."),
        )
        return request


class TaskingReportView(ReportCreateView):
    """Submit intelligence for a tasking: the report form, the tasking named above it, and the
    saved report linked to the tasking (no report reference typed). Reading the tasking's
    title is a consultation of it, so a justification is asked as on the tasking's page."""

    requires_justification = True
    tasking: Tasking | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            if not request.user.has_perm("tasking.view_tasking"):
                return self.handle_no_permission()
            if not justification_in_force():
                return super().dispatch(request, *args, **kwargs)  # asks for one first
            self.tasking = visible_or_404(
                request.user,
                Tasking.objects.select_related("compartment"),
                kwargs["pk"],
            )
            audit.consultation(Action.VIEW, obj=self.tasking)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if self.tasking is not None:
            initial["compartment"] = self.tasking.compartment_id
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tasking": self.tasking}

    def save_report(self, form, submit: bool):
        assert self.tasking is not None  # set by dispatch
        tasking, user = self.tasking, self.request.user
        return write_visibly(
            user,
            lambda: services.submit_intelligence_for_tasking(
                tasking, actor=user, data=form.report_data(), submit=submit
            ),
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code == 302 and self.tasking is not None:
            messages.info(
                self.request,
                _("The report is linked to the tasking “%(title)s”.") % {"title": self.tasking},
            )
        return response


# --- Decision log -----------------------------------------------------------------------------


class DecisionListView(RestrictedListView):
    model = Decision
    template_name = "tasking/decision_list.html"

    def get_queryset(self):
        self.filters = DecisionFilter(
            self.request.GET or None,
            queryset=selectors.visible_decisions(self.request.user),
            request=self.request,
        )
        self.filter_form = self.filters.form
        return self.filters.qs if self.filters.is_valid() else self.filters.queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["export_url"] = reverse("tasking:decision_export") + (
            "?" + context["page_querystring"] if context["page_querystring"] else ""
        )
        return context

    def record_consultation(self, page):
        query = self.request.GET.get("q") or None
        audit.consultation(
            Action.SEARCH if query else Action.LIST,
            object_type="tasking.decision",
            ids=[obj.pk for obj in page.items],
            query=query,
            count=len(page.items) if query else None,
            details={"filters": self.filters.active()},
        )


class DecisionDetailView(RestrictedDetailView):
    model = Decision
    template_name = "tasking/decision_detail.html"

    def get_base_queryset(self):
        return selectors.visible_decisions(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        decision, user = self.object, self.request.user
        context.update(
            {
                "evidence": selectors.visible_evidence(
                    user, decision, "evidence_products", "evidence_reports"
                ),
                "amendments": Decision.objects.visible_to(user).filter(amends=decision),
            }
        )
        return context


class DecisionExportView(RestrictedViewMixin, TemplateView):
    """The decision log as CSV, with the list's search and filters; the export is audited."""

    model = Decision

    def get(self, request):
        filters = DecisionFilter(
            request.GET or None,
            queryset=selectors.visible_decisions(request.user),
            request=request,
        )
        if filters.is_bound and not filters.is_valid():
            return HttpResponse(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.errors.items()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        queryset = filters.qs
        audit.record(
            Action.EXPORT,
            object_type="tasking.decision",
            details={"filters": filters.active(), "format": "csv"},
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response = StreamingHttpResponse(
            exports.decision_rows(request.user, queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="decisions-{stamp}.csv"'
        return response
