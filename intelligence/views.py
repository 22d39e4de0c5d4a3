"""Browser pages of the intelligence app. Thin: parse input, call a service or selector, render.

Every read goes through ``visible_to`` (the base views apply it); every write goes through a
service and is undone if the saved record would fall outside its author's reach.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView, View

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.security import recently_authenticated, redirect_to_reauth
from ilp_platform.core import references
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.justification import OWN_SUBMISSION, justification_in_force
from ilp_platform.web.charts import ring_chart
from ilp_platform.web.dates import DateInput
from ilp_platform.web.exports import csv_response, export_queryset
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    CreateFormView,
    RecordFormView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
    errors_to_messages,
    visible_or_404,
    write_visibly,
)
from intelligence import exports, selectors
from intelligence import graph as entity_graph
from intelligence.choices import (
    EntityKind,
    LinkKind,
    LinkStrength,
    ReportStatus,
    ReviewDecision,
    SuggestionStatus,
)
from intelligence.filters import EntityFilter, IncidentFilter, ReportFilter, SourceFilter
from intelligence.forms import (
    EntityEditForm,
    EntityForm,
    EvaluationForm,
    IncidentForm,
    LinkForm,
    MergeForm,
    RegradeForm,
    ReportEntityForm,
    ReportForm,
    ReviewForm,
    SourceForm,
    mention_formset,
)
from intelligence.forms_queue import EvaluationQueueFilter, ReportBulkForm
from intelligence.models import (
    Entity,
    Incident,
    Link,
    MentionSuggestion,
    Report,
    ReportEntity,
    Source,
)
from intelligence.services.entities import (
    DuplicateEntity,
    create_entity,
    create_link,
    link_entity_to_report,
    merge_entities,
    update_entity,
)
from intelligence.services.evaluation_queue import assign_reports, defer_reports
from intelligence.services.incidents import record_incident
from intelligence.services.mentions import (
    dismiss_suggestion,
    link_suggested_entity,
    record_mentions,
)
from intelligence.services.reports import (
    create_report,
    evaluate_report,
    regrade_report,
    submit_report,
    update_draft,
)
from intelligence.services.reviews import review_report
from intelligence.services.sources import register_source


class FilteredListMixin:
    """A django-filter FilterSet over the restricted queryset; its form renders above the list.

    The same filtered queryset serves three answers: the page, the results partial an htmx
    filter change asks for (``HX-Request``), and a CSV export (``?export=csv``) of every row
    the filters match.
    """

    filterset_class = None
    partial_template_name: str | None = None
    export_columns: list = []
    export_stem = ""

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "csv" and self.export_columns:
            return self.export()
        return super().get(request, *args, **kwargs)

    def export_prepare(self, queryset):
        """Annotations the export columns read (per-person rules); none by default."""
        return queryset

    def export(self):
        queryset = self.get_queryset()
        if self.filterset.is_bound and not self.filterset.is_valid():
            # The page names the bad filter beside its field; nothing is exported.
            self.object_list = queryset
            response = self.render_to_response(self.get_context_data())
            response.status_code = 400
            return response
        return export_queryset(
            self.export_prepare(queryset),
            columns=self.export_columns,
            stem=self.export_stem,
            object_type=self.model._meta.label_lower,
            filters=self.active_filters(),
        )

    def active_filters(self) -> dict:
        return {
            key: value
            for key, value in self.request.GET.items()
            if key not in ("cursor", "export") and value
        }

    def is_partial(self) -> bool:
        headers = self.request.headers
        return bool(headers.get("HX-Request")) and not headers.get("HX-History-Restore-Request")

    def get_template_names(self):
        if self.partial_template_name and self.is_partial():
            return [self.partial_template_name]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The page and its partial share a URL: caches and the back button must tell them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response

    def page_querystring(self) -> str:
        params = self.request.GET.copy()
        for key in ("cursor", "export"):
            params.pop(key, None)
        return params.urlencode()

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_list_queryset(), request=self.request
        )
        if self.filterset.is_bound and self.filterset.is_valid():
            return self.filterset.qs
        return self.filterset.queryset

    def get_list_queryset(self):
        return self.get_base_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filterset.form
        context["results_only"] = self.is_partial()
        return context


# --- Reports ----------------------------------------------------------------------------------


class ReportListView(FilteredListMixin, RestrictedListView):
    model = Report
    filterset_class = ReportFilter
    template_name = "intelligence/report_list.html"
    partial_template_name = "intelligence/_report_results.html"
    title = gettext_lazy("Reports")
    export_columns = exports.REPORT_COLUMNS
    export_stem = "reports"
    # Newest first unless the person sorts by a column (URNs run in the order of recording).
    sort_columns = {"urn": "urn", "status": "status", "compartment": "compartment__name"}
    default_sort = "-urn"
    # The bulk bar: where it posts and what it offers (none: no checkboxes on the rows).
    bulk_url_name: str | None = "intelligence:report_bulk"
    bulk_actions: tuple[str, ...] = ("export",)

    def export_prepare(self, queryset):
        return exports.reports(queryset, self.request.user)

    def get_list_queryset(self):
        queryset = selectors.report_list_queryset(self.get_base_queryset())
        if self.request.GET.get("mine"):
            queryset = queryset.filter(submitted_by=self.request.user)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["bulk"] = self.bulk_context(context["page"])
        return context

    def bulk_context(self, page) -> dict | None:
        """The bulk bar of this list: its form (the rows' checkboxes name it), the ids shown
        (for "select all on this page") and the query string to come back to."""
        if not self.bulk_url_name:
            return None
        params = self.request.GET.copy()
        params.pop("export", None)
        form = ReportBulkForm(
            user=self.request.user,
            actions=self.bulk_actions,
            initial={"next": params.urlencode()},
        )
        return {
            "form": form,
            "form_id": "report-bulk",
            "url": reverse(self.bulk_url_name),
            "actions": self.bulk_actions,
            "shown": [report.pk for report in page.items],
        }


class EvaluationQueueView(ReportListView):
    """Oldest first: the report that has waited longest is evaluated next; each row says how
    long it has waited, and past the evaluation target it is marked overdue. Reports deferred
    to a later day stay out of it until then, unless the person asks to see them."""

    permission_required = "intelligence.evaluate_report"
    template_name = "intelligence/evaluation_queue.html"
    partial_template_name = "intelligence/_evaluation_results.html"
    filterset_class = EvaluationQueueFilter
    title = gettext_lazy("Reports awaiting evaluation")
    export_stem = "reports-awaiting-evaluation"
    sort_columns = {
        "urn": "urn",
        "waiting": "waiting_since",
        "compartment": "compartment__name",
    }
    default_sort = "waiting"
    bulk_url_name = "intelligence:evaluation_bulk"
    bulk_actions = ("assign", "defer", "export")

    def get_list_queryset(self):
        return selectors.report_list_queryset(
            selectors.awaiting_evaluation(self.request.user)
        ).select_related("assigned_to", "deferred_by")

    def get_queryset(self):
        queryset = super().get_queryset()
        chosen = ""
        if self.filterset.is_bound and self.filterset.is_valid():
            chosen = self.filterset.form.cleaned_data.get("deferred") or ""
        return selectors.by_deferral(queryset, chosen)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue_before"] = selectors.evaluation_overdue_before()
        context["target_hours"] = settings.ILP["EVALUATION_TARGET_HOURS"]
        context["today"] = timezone.localdate()
        # ``object_list`` is the filtered queue ListView.get() built (the page shows a slice).
        context["overdue_count"] = self.object_list.filter(
            waiting_since__lt=context["overdue_before"]
        ).count()
        return context


class ReviewQueueView(ReportListView):
    permission_required = "intelligence.review_report"
    template_name = "intelligence/review_queue.html"
    partial_template_name = "intelligence/_review_results.html"
    title = gettext_lazy("Retention reviews due")
    export_stem = "reviews-due"
    bulk_url_name = None
    bulk_actions = ()

    def get_list_queryset(self):
        return selectors.report_list_queryset(selectors.review_queue(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        context["horizon"] = selectors.REVIEW_HORIZON_DAYS
        return context


class ReportBulkView(RestrictedViewMixin, View):
    """The report list's bulk bar (a plain form POST): export the reports ticked, as CSV with
    the list export's columns. The evaluation queue's bar also assigns and defers them.

    Every report named must be within the person's reach: one outside it is refused as a
    missing one (its id only; a ``denied`` event), and nothing is done."""

    model = Report
    http_method_names = ["post"]
    actions: tuple[str, ...] = ReportListView.bulk_actions
    list_url_name = "intelligence:report_list"
    export_stem = "reports-selected"

    def dispatch(self, request, *args, **kwargs):
        # A justification that ran out while the list was open: state it again, then come
        # back to the list (not to this address, which only takes the form's POST).
        if request.user.is_authenticated and self.has_permission() and not justification_in_force():
            messages.info(request, _("State why you consult these reports, then tick them again."))
            query = urlencode({"next": reverse(self.list_url_name)})
            return redirect(f"{reverse('core:justification')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = ReportBulkForm(request.POST, user=request.user, actions=self.actions)
        back = reverse(self.list_url_name)
        query = form.back_query()
        if query:
            back = f"{back}?{query}"
        if not form.is_valid():
            self.refusals(form, form.errors)
            return redirect(back)
        data = form.cleaned_data
        try:
            if data["action"] == "export":
                return self.export(data["selected"])
            self.run(form)
        except (ValidationError, StateConflict) as exc:
            self.refusals(form, exc.message_dict)
        return redirect(back)

    def refusals(self, form, errors: dict) -> None:
        """Each refusal as a message: one per report (they name it), the others by field."""
        labels = {name: str(field.label) for name, field in form.fields.items()}
        for text in errors.get("reports", []):
            messages.error(self.request, str(text))
        rest = {field: texts for field, texts in errors.items() if field != "reports"}
        errors_to_messages(self.request, rest, labels)

    def run(self, form) -> None:  # pragma: no cover - the queue's bar declares its actions
        raise NotImplementedError

    def export(self, ids: list[int]):
        queryset, missing = selectors.selected_reports(self.request.user, ids)
        if missing:
            for pk in missing:
                audit.record_denied(
                    object_type="intelligence.report",
                    object_id=pk,
                    reason="not found or outside the user's compartments",
                )
            raise ValidationError(
                {"reports": [_("Report %(id)s: not found.") % {"id": pk} for pk in missing]}
            )
        return export_queryset(
            exports.reports(queryset, self.request.user),
            columns=exports.REPORT_COLUMNS,
            stem=self.export_stem,
            object_type="intelligence.report",
            filters={"selected": [str(pk) for pk in ids]},
        )


class EvaluationBulkView(ReportBulkView):
    """The evaluation queue's bulk bar: assign the reports ticked to an evaluator, defer them
    to a later day, or export them; all or nothing, the refusals listed by URN."""

    permission_required = "intelligence.evaluate_report"
    actions = EvaluationQueueView.bulk_actions
    list_url_name = "intelligence:evaluation_queue"
    export_stem = "reports-awaiting-evaluation-selected"

    def run(self, form) -> None:
        data, user = form.cleaned_data, self.request.user
        ids = data["selected"]
        if data["action"] == "assign":
            assignee = form.assignee_user()
            reports = assign_reports(ids, actor=user, assignee=assignee, reason=data["reason"])
            if assignee is None:
                message = ngettext(
                    "%(n)s report is assigned to nobody now.",
                    "%(n)s reports are assigned to nobody now.",
                    len(reports),
                )
            else:
                message = ngettext(
                    "%(n)s report assigned to %(name)s.",
                    "%(n)s reports assigned to %(name)s.",
                    len(reports),
                )
            messages.success(self.request, message % {"n": len(reports), "name": assignee})
        elif data["action"] == "defer":
            until = data["until"]
            reports = defer_reports(ids, actor=user, until=until, reason=data["reason"])
            message = ngettext(
                "%(n)s report deferred: back in the queue on %(day)s.",
                "%(n)s reports deferred: back in the queue on %(day)s.",
                len(reports),
            )
            day = date_format(until, "SHORT_DATE_FORMAT")
            messages.success(self.request, message % {"n": len(reports), "day": day})


class ReportDetailView(RestrictedDetailView):
    model = Report
    template_name = "intelligence/report_detail.html"

    def own_purpose(self) -> str:
        """Its author reads their own report (while it is within their reach) without stating
        a justification; the consultation is logged with the purpose ``OWN_SUBMISSION`` (or
        with the justification they stated, when one is in force)."""
        user = self.request.user
        own = Report.objects.visible_to(user).filter(
            pk=self.kwargs[self.pk_url_kwarg], submitted_by=user.pk
        )
        return OWN_SUBMISSION if own.exists() else ""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related(
                "compartment",
                "source",
                "submitted_by",
                "evaluated_by",
                "erased_by",
                "retention_class",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        context.update(
            {
                "can_see_original": report.original_visible_to(user),
                "rules": report.disclosure_rules(),
                "gradings": report.gradings.select_related("graded_by"),
                "reviews": report.reviews.select_related("reviewed_by"),
                "entity_links": ReportEntity.objects.visible_to(user)
                .filter(report=report)
                .select_related("entity"),
                "can_evaluate": report.status == ReportStatus.SUBMITTED
                and user.has_perm("intelligence.evaluate_report")
                and report.submitted_by_id != user.pk,
                "can_regrade": report.status == ReportStatus.EVALUATED
                and user.has_perm("intelligence.evaluate_report"),
                "can_review": report.status == ReportStatus.EVALUATED
                and user.has_perm("intelligence.review_report"),
                "can_edit": report.status == ReportStatus.DRAFT
                and report.submitted_by_id == user.pk,
                "can_link": not report.is_erased and user.has_perm("intelligence.change_report"),
                "can_create_entity": user.has_perm("intelligence.add_entity"),
                "link_form": ReportEntityForm(user=user, initial=self.entity_to_link()),
                "suggestions": self.suggestions(),
            }
        )
        return context

    def suggestions(self):
        """What the author says the report mentions: shown to the author and to the analysts
        who may link entities to it, through the report's own reach."""
        report, user = self.object, self.request.user
        if report.is_erased:
            return []
        if report.submitted_by_id != user.pk and not user.has_perm("intelligence.change_report"):
            return []
        return list(
            MentionSuggestion.objects.visible_to(user)
            .filter(report=report)
            .select_related("linked_entity")
        )

    def entity_to_link(self) -> dict:
        """``?entity=<id>`` (back from creating one for this report): chosen in the link form
        when the person may see it; anything else is ignored."""
        value = self.request.GET.get("entity", "")
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
            return {}
        entity = Entity.objects.visible_to(self.request.user).current().filter(pk=value).first()
        if entity is None:
            return {}
        chosen = {"entity": entity.pk}
        suggestion = open_suggestion(self.request, self.object)
        if suggestion is not None:
            chosen["suggestion"] = suggestion.pk
        return chosen


def open_suggestion(request, report: Report, value: str | None = None) -> MentionSuggestion | None:
    """The open suggestion ``value`` (default ``?suggestion=``) of ``report``, when the person
    may see it and link entities to the report; anything else is ignored."""
    if value is None:
        value = request.POST.get("suggestion") or request.GET.get("suggestion") or ""
    value = str(value)
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
        return None
    if not request.user.has_perm("intelligence.change_report"):
        return None
    return (
        MentionSuggestion.objects.visible_to(request.user)
        .filter(pk=value, report=report.pk, status=SuggestionStatus.OPEN)
        .first()
    )


class ReportFormView(RestrictedViewMixin, FormView):
    """Submission and draft editing: a form that explains every grading code beside it."""

    model = Report
    form_class = ReportForm
    template_name = "intelligence/report_form.html"
    permission_required = "intelligence.add_report"
    requires_justification = False
    report: Report | None = None
    mentions = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.report}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        # The rows of people, vehicles and places; a post without them (an older page, a
        # script) leaves what the report mentions as it is.
        if "mentions-TOTAL_FORMS" in request.POST:
            self.mentions = mention_formset(request.POST)
        form_ok = form.is_valid()
        if form_ok and (self.mentions is None or self.mentions.is_valid()):
            return self.form_valid(form)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = self.report
        context["mentions"] = self.mentions or mention_formset(report=self.report)
        context["location_map"] = {
            "label": _("Map: click where it happened"),
            "help": _(
                "Click where it happened to fill in the latitude and longitude (zoom with the "
                "buttons); or type them."
            ),
            "tiles": settings.ILP.get("MAP_TILE_URL", ""),
            "attribution": settings.ILP.get("MAP_TILE_ATTRIBUTION", ""),
            "extent": selectors.recent_report_extent(self.request.user),
        }
        return context

    def save_report(self, form, submit: bool) -> Report:
        """Create the report, or change the draft; a view may save it differently (a report
        written for a tasking is linked to it)."""
        user = self.request.user
        if self.report is None:
            return write_visibly(
                user, lambda: create_report(actor=user, data=form.report_data(), submit=submit)
            )
        report = self.report
        return write_visibly(
            user,
            lambda: update_draft(report, actor=user, data=form.report_data(), submit=submit),
        )

    def form_valid(self, form):
        submit = self.request.POST.get("action") == "submit"
        user = self.request.user
        rows = self.mentions.rows() if self.mentions is not None else None
        try:
            with transaction.atomic():
                report = self.save_report(form, submit)
                if rows is not None and (rows or self.report is not None):
                    write_visibly(user, lambda: record_mentions(report, actor=user, rows=rows))
        except (ValidationError, StateConflict) as exc:
            self.apply_errors(form, exc)
            return self.form_invalid(form)
        if submit:
            messages.success(
                self.request,
                _("Report %(urn)s submitted for evaluation.") % {"urn": report.urn},
            )
        else:
            messages.info(self.request, _("Draft %(urn)s saved.") % {"urn": report.urn})
        return redirect(report)

    def apply_errors(self, form, exc) -> None:
        """A service's errors beside their fields: the report's, or a row's of the mentions."""
        rows = {}
        if self.mentions is not None and isinstance(exc, ValidationError):
            rows = {
                f"{row.prefix}-{name}": (row, name)
                for row in self.mentions.forms
                for name in row.fields
            }
        if rows and hasattr(exc, "error_dict"):
            rest = {}
            for key, messages in exc.message_dict.items():
                if key in rows:
                    row, name = rows[key]
                    for message in messages:
                        row.add_error(name, message)
                else:
                    rest[key] = messages
            if not rest:
                return
            exc = ValidationError(rest)
        apply_errors(form, exc)


class ReportCreateView(ReportFormView):
    pass


class ReportEditView(ReportFormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.report = visible_or_404(
                request.user,
                Report.objects.filter(submitted_by=request.user.pk, status=ReportStatus.DRAFT),
                kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)


class ReportActionView(RecordFormView):
    """A form acting on one report (evaluate, re-grade, review); the page shows the report."""

    model = Report
    action_label = ""

    def record_queryset(self):
        return Report.objects.select_related("compartment", "source", "submitted_by")

    @property
    def report(self) -> Report:
        return self.record

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "report": self.report,
                "can_see_original": self.report.original_visible_to(self.request.user),
                "action_label": self.action_label,
                "suggestions": self.open_suggestions(),
            }
        )
        return context

    def open_suggestions(self) -> list[MentionSuggestion]:
        """The author's open suggestions, for an analyst who may link entities to the report
        (acted on from the report's page)."""
        user = self.request.user
        if self.report.is_erased or not user.has_perm("intelligence.change_report"):
            return []
        return list(
            MentionSuggestion.objects.visible_to(user).filter(
                report=self.report, status=SuggestionStatus.OPEN
            )
        )


class ReportEvaluateView(ReportActionView):
    permission_required = "intelligence.evaluate_report"
    form_class = EvaluationForm
    template_name = "intelligence/report_action.html"
    action_label = gettext_lazy("Evaluate")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "report": self.report}

    def run(self, form):
        report = evaluate_report(
            self.report,
            actor=self.request.user,
            grading_data=form.grading_data(),
            sanitised_text=form.cleaned_data["sanitised_text"],
            compartment=form.cleaned_data["compartment"],
            retention_class=form.cleaned_data["retention_class"],
            reason=form.cleaned_data.get("reason", ""),
        )
        messages.success(self.request, _("Report %(urn)s evaluated.") % {"urn": report.urn})
        return report


class ReportRegradeView(ReportActionView):
    permission_required = "intelligence.evaluate_report"
    form_class = RegradeForm
    template_name = "intelligence/report_action.html"
    action_label = gettext_lazy("Re-grade")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "report": self.report}

    def run(self, form):
        report = regrade_report(
            self.report,
            actor=self.request.user,
            grading_data=form.grading_data(),
            reason=form.cleaned_data["reason"],
        )
        messages.success(self.request, _("Grading changed and recorded in the history."))
        return report


class ReportReviewView(ReportActionView):
    permission_required = "intelligence.review_report"
    form_class = ReviewForm
    template_name = "intelligence/report_action.html"
    action_label = gettext_lazy("Review for retention")

    def form_valid(self, form):
        # Erasure is irreversible: it needs a recent password confirmation.
        if form.cleaned_data["decision"] == ReviewDecision.ERASE and not recently_authenticated(
            self.request
        ):
            return redirect_to_reauth(self.request)
        return super().form_valid(form)

    def run(self, form):
        review = review_report(
            self.report,
            actor=self.request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            next_review_due=form.cleaned_data.get("next_review_due"),
        )
        messages.success(
            self.request, _("Review recorded: %(d)s.") % {"d": review.get_decision_display()}
        )
        return review


class ReportSubmitView(RestrictedViewMixin, TemplateView):
    model = Report
    permission_required = "intelligence.add_report"
    requires_justification = False
    http_method_names = ["post"]

    def post(self, request, pk):
        report = visible_or_404(
            request.user, Report.objects.filter(submitted_by=request.user.pk), pk
        )
        try:
            write_visibly(request.user, lambda: submit_report(report, actor=request.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Report %(urn)s submitted for evaluation.") % {"urn": report.urn}
            )
        return redirect(report)


class ReportEntityAddView(RestrictedViewMixin, TemplateView):
    """Link an entity to a report with its data-subject category (combination)."""

    model = Report
    permission_required = "intelligence.change_report"
    http_method_names = ["post"]

    def post(self, request, pk):
        report = visible_or_404(request.user, Report.objects.all(), pk)
        form = ReportEntityForm(request.POST, user=request.user)
        suggestion = None
        if form.is_valid() and form.cleaned_data.get("suggestion"):
            # The entity was made from one of the author's suggestions: it is marked linked.
            suggestion = open_suggestion(request, report, form.cleaned_data["suggestion"])
            if suggestion is None:
                form.add_error("suggestion", _("This suggestion is no longer open on this report."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if suggestion is not None:
                    write_visibly(
                        request.user,
                        lambda: link_suggested_entity(
                            suggestion,
                            data["entity"],
                            actor=request.user,
                            subject_category=data["subject_category"],
                            is_assessment=data["is_assessment"],
                        ),
                    )
                else:
                    write_visibly(
                        request.user,
                        lambda: link_entity_to_report(
                            report,
                            data["entity"],
                            actor=request.user,
                            subject_category=data["subject_category"],
                            is_assessment=data["is_assessment"],
                        ),
                    )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.errors:
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(
                    request, f"{label}: {' '.join(errors)}" if label else " ".join(errors)
                )
        else:
            messages.success(request, _("Entity linked to the report."))
            notice = references.pairing_notice(report, form.cleaned_data["entity"])
            if notice:
                messages.info(request, notice)
        return redirect(report)


class ReportSuggestionDismissView(RestrictedViewMixin, TemplateView):
    """Dismiss one of the author's suggestions: no entity is needed for it."""

    model = Report
    permission_required = "intelligence.change_report"
    http_method_names = ["post"]

    def post(self, request, pk):
        report = visible_or_404(request.user, Report.objects.all(), pk)
        suggestion = open_suggestion(request, report)
        if suggestion is None:
            messages.error(
                request, _("Suggestion: choose an open suggestion of this report to dismiss.")
            )
            return redirect(report)
        try:
            write_visibly(request.user, lambda: dismiss_suggestion(suggestion, actor=request.user))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Suggestion dismissed."))
        return redirect(f"{report.get_absolute_url()}#suggestions")


# --- Search -----------------------------------------------------------------------------------


class SearchView(RestrictedViewMixin, TemplateView):
    """Full-text search over sanitised text and entity names/identifiers, with filters."""

    model = Report
    template_name = "intelligence/search.html"
    page_size = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = (self.request.GET.get("q") or "").strip()
        params = self.request.GET.copy()
        params.pop("cursor", None)
        filterset = ReportFilter(params, queryset=Report.objects.visible_to(user))
        context.update(
            {"query": query, "filter_form": filterset.form, "page_querystring": params.urlencode()}
        )
        if not query:
            return context
        reports = filterset.qs if filterset.is_valid() else filterset.queryset
        page = selectors.search_reports(
            user, query, reports, cursor=self.request.GET.get("cursor"), size=self.page_size
        )
        filters = {k: v for k, v in params.items() if k != "q" and v}
        audit.consultation(
            Action.SEARCH,
            object_type="intelligence.report",
            ids=[r.pk for r in page.items],
            query=query,
            count=page.total,
            details={"filters": filters},
        )
        entities = []
        if user.has_perm("intelligence.view_entity"):
            entity_filter = EntityFilter(
                {"q": query}, queryset=Entity.objects.visible_to(user).current()
            )
            entities = list(entity_filter.qs.select_related("compartment").order_by("-id")[:10])
            audit.consultation(
                Action.SEARCH,
                object_type="intelligence.entity",
                ids=[e.pk for e in entities],
                query=query,
                count=len(entities),
            )
        context.update({"page": page, "entities": entities})
        return context


# --- Entities ---------------------------------------------------------------------------------


class EntityListView(FilteredListMixin, RestrictedListView):
    model = Entity
    filterset_class = EntityFilter
    template_name = "intelligence/entity_list.html"
    partial_template_name = "intelligence/_entity_results.html"
    export_columns = exports.ENTITY_COLUMNS
    export_stem = "entities"

    def get_list_queryset(self):
        return self.get_base_queryset().current().select_related("compartment")


ENTITY_REPORTS = 100
ENTITY_TIMELINE = 30
ENTITY_NEIGHBOURS = 25


class EntityDetailView(RestrictedDetailView):
    model = Entity
    template_name = "intelligence/entity_detail.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("compartment", "merged_into")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entity, user = self.object, self.request.user
        report_links = list(
            ReportEntity.objects.visible_to(user)
            .filter(entity=entity)
            .select_related("report")
            .order_by("-report__occurred_at", "-report__created_at", "-id")[:ENTITY_REPORTS]
        )
        timeline = entity_graph.entity_timeline(user, entity, limit=ENTITY_TIMELINE)
        neighbourhood = entity_graph.neighbours(user, entity, 1, max_nodes=ENTITY_NEIGHBOURS)
        places = [
            {
                "lat": rl.report.latitude,
                "lon": rl.report.longitude,
                "urn": rl.report.urn,
                "place": rl.report.place_name,
                "url": rl.report.get_absolute_url(),
            }
            for rl in report_links
            if rl.report.latitude is not None and rl.report.longitude is not None
        ]
        # What the page shows beyond the entity itself: one consultation event names it.
        audit.consultation(
            Action.VIEW,
            obj=entity,
            count=len(report_links),
            details={
                "view": "entity page",
                "reports": [rl.report_id for rl in report_links],
                "links": timeline.link_ids,
                "neighbours": [n["id"] for n in neighbourhood.nodes if n["id"] != entity.pk],
            },
        )
        kinds = dict(EntityKind.choices)
        chart = ring_chart(
            [
                {
                    **node,
                    "kind_label": kinds.get(node["kind"], node["kind"]),
                    "url": reverse("intelligence:entity_detail", args=[node["id"]]),
                }
                for node in neighbourhood.nodes
            ],
            [
                {
                    "source": e.source,
                    "target": e.target,
                    "strength": e.strength,
                    "title": f"{LinkKind(e.kind).label} ({LinkStrength(e.strength).label})",
                }
                for e in neighbourhood.edges
            ],
            centre=entity.pk,
            kinds=EntityKind.choices,
            strengths=LinkStrength.choices,
        )
        context.update(
            {
                "identifiers": entity.identifiers.all(),
                "links": Link.objects.visible_to(user)
                .filter(Q(from_entity=entity) | Q(to_entity=entity))
                .select_related("from_entity", "to_entity")
                .prefetch_related("reports"),
                "report_links": report_links,
                "timeline": timeline,
                "chart": chart,
                "neighbourhood_truncated": neighbourhood.truncated,
                "places": places,
                "tile_url": settings.ILP.get("MAP_TILE_URL", ""),
                "tile_attribution": settings.ILP.get("MAP_TILE_ATTRIBUTION", ""),
                "can_edit": user.has_perm("intelligence.change_entity")
                and not entity.merged_into_id,
                "merge_form": MergeForm(user=user),
                "link_form": LinkForm(user=user),
                "can_merge": user.has_perm("intelligence.merge_entity")
                and not entity.merged_into_id,
                "can_link": user.has_perm("intelligence.add_link") and not entity.merged_into_id,
            }
        )
        return context


class EntityEditView(RecordFormView):
    """Correct an entity's name, date of birth or description (an audited alteration)."""

    model = Entity
    permission_required = "intelligence.change_entity"
    form_class = EntityEditForm
    template_name = "intelligence/entity_edit.html"
    success_message = gettext_lazy("Entity saved.")

    def get_initial(self):
        entity = self.record
        return {
            "name": entity.name,
            "date_of_birth": entity.date_of_birth,
            "description": entity.description,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entity": self.record}

    def run(self, form):
        return update_entity(self.record, actor=self.request.user, data=dict(form.cleaned_data))


class EntitySetTimelineForm(forms.Form):
    """The entities of a set timeline and its filters: kinds of item and a period."""

    ids = forms.CharField(
        label=gettext_lazy("Entities"),
        max_length=2_000,
        help_text=format_lazy(
            gettext_lazy("Entity ids, separated by commas or spaces (at most {n})."),
            n=entity_graph.SET_TIMELINE_ENTITIES,
        ),
    )
    kind = forms.MultipleChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=(("report", gettext_lazy("reports")), ("link", gettext_lazy("links"))),
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.entities: list[dict] = []
        self.unseen: list[int] = []

    def clean_ids(self):
        try:
            self.entities = entity_graph.entity_set(self.user, self.cleaned_data["ids"])
        except entity_graph.EntitySetError as problem:
            self.unseen = problem.unseen
            raise ValidationError(problem.message) from None
        return [entity["id"] for entity in self.entities]

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return data


SET_TIMELINE_KINDS = {"report": gettext_lazy("report"), "link": gettext_lazy("link")}


class EntitySetTimelineView(RestrictedViewMixin, TemplateView):
    """The timeline of a set of entities (ticked on the entity list, or drawn on a link chart):
    the reports and links of any of them, each once, with the filters and the CSV export of
    the operation timeline. An id naming no entity the reader may see is refused with the
    same message whether it is missing or hidden."""

    model = Entity
    permission_required = ("intelligence.view_entity", "intelligence.view_link")
    template_name = "intelligence/entity_set_timeline.html"

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        # Ticked on the entity list, the ids come as one parameter each: one list.
        if len(data.getlist("ids")) > 1:
            data["ids"] = ",".join(data.getlist("ids"))
        form = EntitySetTimelineForm(data or None, user=request.user)
        if not form.is_bound:
            return self.render_to_response(self.get_context_data(form=form, timeline=None))
        if not form.is_valid():
            if form.unseen:
                audit.record_denied(
                    object_type="intelligence.entity",
                    object_id=str(form.unseen[0]),
                    reason=f"{request.method} {request.path}: no visible entity with ids "
                    + ", ".join(map(str, form.unseen[:20])),
                )
            return self.render_to_response(self.get_context_data(form=form, timeline=None))
        cleaned = form.cleaned_data
        ids = cleaned["ids"]
        timeline = entity_graph.entity_set_timeline(
            request.user,
            ids,
            kinds=cleaned.get("kind") or None,
            since=_day_start(cleaned.get("since")),
            until=_day_start(cleaned.get("until"), next_day=True),
        )
        asked = {k: v for k, v in request.GET.items() if k != "format"}
        details = {
            "view": "entity set timeline",
            "filters": asked,
            "reports": timeline.report_ids,
            "links": timeline.link_ids,
            "truncated": timeline.truncated,
        }
        names = {entity["id"]: entity["name"] for entity in form.entities}
        if request.GET.get("format") == "csv":
            audit.record(
                Action.EXPORT,
                object_type="intelligence.entity",
                details={
                    **details,
                    "ids": [str(pk) for pk in ids],
                    "format": "csv",
                    "count": len(timeline.items),
                },
            )
            rows = (
                [
                    item["at"].isoformat(),
                    str(SET_TIMELINE_KINDS[item["kind"]]),
                    item["title"],
                    "; ".join(names[pk] for pk in item["entities"]),
                    item["object_type"],
                    item["object_id"],
                ]
                for item in timeline.items
            )
            return csv_response(
                rows,
                headers=[
                    _("When"),
                    _("Kind"),
                    _("What"),
                    _("Entities"),
                    _("Record type"),
                    _("Record id"),
                ],
                stem="entities-timeline",
            )
        audit.consultation(
            Action.VIEW,
            object_type="intelligence.entity",
            ids=ids,
            count=len(timeline.items),
            details=details,
        )
        params = request.GET.copy()
        params["format"] = "csv"
        items = [
            {
                **item,
                "kind_label": SET_TIMELINE_KINDS[item["kind"]],
                "url": reverse("intelligence:report_detail", args=[item["object_id"]])
                if item["kind"] == "report"
                else "",
                "concerns": [
                    {
                        "id": pk,
                        "name": names[pk],
                        "url": reverse("intelligence:entity_detail", args=[pk]),
                    }
                    for pk in item["entities"]
                ],
            }
            for item in timeline.items
        ]
        context = self.get_context_data(
            form=form,
            entities=form.entities,
            timeline=items,
            truncated=timeline.truncated,
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


class EntityCreateView(RestrictedViewMixin, FormView):
    """Create an entity; probable duplicates are offered first."""

    model = Entity
    form_class = EntityForm
    template_name = "intelligence/entity_form.html"
    permission_required = "intelligence.add_entity"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def for_report(self) -> Report | None:
        """``report=<id>`` (from a report page): the report to return to with the new entity
        chosen in its link form, when the person may see it and link to it."""
        value = self.request.POST.get("report") or self.request.GET.get("report") or ""
        user = self.request.user
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
            return None
        if not user.has_perm("intelligence.change_report"):
            return None
        reports = Report.objects.visible_to(user).exclude(status=ReportStatus.ERASED)
        return reports.filter(pk=value).first()

    def for_suggestion(self) -> MentionSuggestion | None:
        """``suggestion=<id>`` (with ``report``): the author's suggestion the entity is made
        from; the form starts with its kind, name and details, and linking marks it linked."""
        report = self.for_report()
        return open_suggestion(self.request, report) if report is not None else None

    def get_initial(self):
        initial = super().get_initial()
        suggestion = self.for_suggestion()
        if suggestion is not None:
            initial.update(
                {
                    "kind": suggestion.kind,
                    "name": suggestion.name,
                    "description": suggestion.details,
                    "compartment": suggestion.report.compartment_id,
                }
            )
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["for_report"] = self.for_report()
        context["for_suggestion"] = self.for_suggestion()
        return context

    def back_to_report(self, report: Report, entity: Entity):
        suggestion = self.for_suggestion()
        chosen = f"?entity={entity.pk}" + (f"&suggestion={suggestion.pk}" if suggestion else "")
        return redirect(f"{report.get_absolute_url()}{chosen}#link-entity")

    def form_valid(self, form):
        user = self.request.user
        data = {
            k: form.cleaned_data.get(k)
            for k in ("kind", "name", "date_of_birth", "description", "compartment")
        }
        data["description"] = data["description"] or ""
        try:
            entity = write_visibly(
                user,
                lambda: create_entity(
                    actor=user,
                    data=data,
                    identifiers=form.identifiers(),
                    allow_duplicate=form.cleaned_data["create_anyway"],
                ),
            )
        except DuplicateEntity as exc:
            audit.consultation(
                Action.SEARCH,
                object_type="intelligence.entity",
                ids=[c.pk for c in exc.candidates],
                query=f"duplicate check: {data['kind']}",
                count=len(exc.candidates),
            )
            return self.render_to_response(
                self.get_context_data(form=form, candidates=exc.candidates)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Entity created."))
        report = self.for_report()
        if report is not None:
            return self.back_to_report(report, entity)
        return redirect(entity)


class EntityMergeView(RestrictedViewMixin, TemplateView):
    model = Entity
    permission_required = "intelligence.merge_entity"
    http_method_names = ["post"]

    def post(self, request, pk):
        keeper = visible_or_404(request.user, Entity.objects.current(), pk)
        form = MergeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                write_visibly(
                    request.user,
                    lambda: merge_entities(
                        keeper,
                        form.cleaned_data["other"],
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    ),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.errors:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        else:
            messages.success(request, _("Entities merged: every report and link now points here."))
        return redirect(keeper)


class EntityLinkCreateView(RestrictedViewMixin, TemplateView):
    model = Link
    permission_required = "intelligence.add_link"
    http_method_names = ["post"]

    def post(self, request, pk):
        entity = visible_or_404(request.user, Entity.objects.current(), pk)
        form = LinkForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                write_visibly(
                    request.user,
                    lambda: create_link(
                        actor=request.user,
                        from_entity=entity,
                        to_entity=form.cleaned_data["to_entity"],
                        kind=form.cleaned_data["kind"],
                        strength=form.cleaned_data["strength"],
                        reports=form.cleaned_data["reports"],
                        note=form.cleaned_data["note"],
                    ),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.errors:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        else:
            messages.success(request, _("Link recorded."))
            notice = references.pairing_notice(entity, form.cleaned_data["to_entity"])
            if notice:
                messages.info(request, notice)
        return redirect(entity)


# --- Sources ----------------------------------------------------------------------------------


class SourceListView(FilteredListMixin, RestrictedListView):
    model = Source
    filterset_class = SourceFilter
    template_name = "intelligence/source_list.html"
    partial_template_name = "intelligence/_source_results.html"
    export_columns = exports.SOURCE_COLUMNS
    export_stem = "sources"

    def export_prepare(self, queryset):
        return exports.sources(queryset, self.request.user)

    def get_list_queryset(self):
        queryset = self.get_base_queryset().select_related("compartment", "handler")
        if self.request.GET.get("mine"):
            queryset = queryset.filter(handler=self.request.user)
        return queryset


class SourceDetailView(RestrictedDetailView):
    model = Source
    template_name = "intelligence/source_detail.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("compartment", "handler")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source, user = self.object, self.request.user
        context.update(
            {
                "identity_visible": source.identity_visible_to(user),
                "reliability": selectors.source_reliability(source, user),
                "reports": selectors.report_list_queryset(
                    Report.objects.visible_to(user).filter(source=source)
                )[:25],
            }
        )
        return context


class SourceCreateView(CreateFormView):
    model = Source
    form_class = SourceForm
    template_name = "intelligence/source_form.html"
    permission_required = "intelligence.add_source"
    requires_justification = False

    def create(self, data):
        return register_source(actor=self.request.user, data=data)

    def success_message(self, source):
        return _("Source %(ref)s registered.") % {"ref": source.reference}


# --- Incidents --------------------------------------------------------------------------------


class IncidentListView(FilteredListMixin, RestrictedListView):
    model = Incident
    filterset_class = IncidentFilter
    template_name = "intelligence/incident_list.html"
    partial_template_name = "intelligence/_incident_results.html"
    export_columns = exports.INCIDENT_COLUMNS
    export_stem = "incidents"

    def get_list_queryset(self):
        return self.get_base_queryset().select_related("crime_type", "compartment")


class IncidentCreateView(CreateFormView):
    """One incident recorded by hand, with its origin (files go through the import)."""

    model = Incident
    form_class = IncidentForm
    template_name = "intelligence/incident_form.html"
    permission_required = "intelligence.add_incident"
    requires_justification = False

    def create(self, data):
        return record_incident(actor=self.request.user, data=data)

    def success_message(self, incident):
        return _("Incident %(ref)s recorded.") % {"ref": incident.reference}


class IncidentDetailView(RestrictedDetailView):
    model = Incident
    template_name = "intelligence/incident_detail.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("crime_type", "compartment")
