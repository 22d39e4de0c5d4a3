"""Pages of sharing between units: shares sent and received, sharing a report, recording the
originator's consent, requirements and priorities issued from above, and the aggregate figures
below."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView

from analysis.models import Product
from audit import services as audit
from audit.choices import Action
from ilp_platform.web.views import (
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
)
from intelligence import provenance
from intelligence.models import Report
from sharing import aggregates, levels, periods, services, strategy
from sharing.forms import (
    AdoptForm,
    AggregateForm,
    CloseForm,
    ConsentForm,
    DeclineForm,
    IssueForm,
    ProductShareForm,
    ShareForm,
    adoption_meetings,
)
from sharing.models import Share
from tasking.choices import PriorityStatus
from tasking.models import Priority, Requirement

# The "From above" page lists at most this many priorities issued to the reader's units
# (waiting ones first): a control strategy holds tens, not thousands.
FROM_ABOVE_PRIORITIES = 100

# Tabs of the shares page: "shares" in context, so each language can make them agree with the
# word for a share (and "Received" is not taken for the date column of the same name).
SIDES = {
    "all": pgettext_lazy("shares", "All"),
    "sent": pgettext_lazy("shares", "Sent"),
    "received": pgettext_lazy("shares", "Received"),
}


class ShareListView(RestrictedListView):
    model = Share
    template_name = "sharing/list.html"

    def side(self) -> str:
        side = self.request.GET.get("side", "all")
        return side if side in SIDES else "all"

    def get_queryset(self):
        queryset = self.get_base_queryset().select_related("from_unit", "to_unit", "shared_by")
        side = self.side()
        if side == "sent":
            queryset = queryset.sent_by_side(self.request.user)
        elif side == "received":
            queryset = queryset.received_by_side(self.request.user)
        return queryset

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sides": SIDES.items(), "side": self.side()}


class ShareDetailView(RestrictedDetailView):
    model = Share
    template_name = "sharing/detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("from_unit", "to_unit", "shared_by", "compartment")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        share = self.object
        context.update(
            {
                # The sender's side reads the original; the receiver's side reads what arrived.
                "original": share.report or share.product,
                "received": share.received_report,
                "requirement": share.answers_requirement,
                "conditions": [(c, provenance.condition_label(c)) for c in share.conditions],
            }
        )
        return context


class ShareReportView(RecordFormView):
    """The dissemination step from a report's page."""

    model = Report
    permission_required = "sharing.add_share"
    template_name = "sharing/share_form.html"
    form_class = ShareForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        report = self.record
        return {
            **super().get_context_data(**kwargs),
            "report": report,
            "rules": report.disclosure_rules(),
            "original_may_travel": services.original_may_travel(report),
        }

    def run(self, form):
        data = dict(form.cleaned_data)
        self.share = services.share_report(self.record, actor=self.request.user, **data)
        return self.share

    def get_success_url(self):
        share = getattr(self, "share", None)
        return share.get_absolute_url() if share else self.record.get_absolute_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        if getattr(self, "share", None) is not None and isinstance(response, HttpResponseRedirect):
            # The unit only: the report received there is in an intake the sender usually
            # does not hold, so its reference is not theirs to read.
            messages.success(
                self.request,
                _("Shared with %(unit)s: it is in their intake, awaiting their evaluation.")
                % {"unit": self.share.to_unit.name},
            )
        return response


class ShareProductView(RecordFormView):
    """The dissemination step for an approved product."""

    model = Product
    permission_required = "sharing.add_share"
    template_name = "sharing/share_product_form.html"
    form_class = ProductShareForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        product = self.record
        return {
            **super().get_context_data(**kwargs),
            "product": product,
            "rules": product.disclosure_rules(),
        }

    def run(self, form):
        self.share = services.share_product(
            self.record, actor=self.request.user, **dict(form.cleaned_data)
        )
        return self.share

    def get_success_url(self):
        share = getattr(self, "share", None)
        return share.get_absolute_url() if share else self.record.get_absolute_url()


class ConsentView(RecordFormView):
    """The originator consented to onward sharing of a received report."""

    model = Report
    permission_required = "intelligence.evaluate_report"
    template_name = "sharing/consent_form.html"
    form_class = ConsentForm
    success_message = gettext_lazy(
        "The originator's consent is recorded: the report may be shared on."
    )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report": self.record}

    def run(self, form):
        provenance.record_consent(
            self.record, actor=self.request.user, note=form.cleaned_data["note"]
        )
        return self.record


class FromAboveListView(RestrictedListView):
    """Requirements and priorities issued to one's unit by a higher level: the requirements
    paged; the priorities (waiting first) on the first page, with adopting and declining."""

    model = Requirement
    template_name = "sharing/requirements.html"

    def get_queryset(self):
        return (
            self.get_base_queryset()
            .filter(issued_from__isnull=False)
            .select_related("owning_unit", "accepted_by", "compartment")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        priorities: list[Priority] = []
        # The priorities on the first page only (the requirements are paged below them).
        show = not self.request.GET.get("cursor") and user.has_perm("tasking.view_priority")
        if show:
            priorities = list(strategy.from_above(user)[:FROM_ABOVE_PRIORITIES])
        if priorities:
            audit.consultation(
                Action.LIST,
                object_type=Priority._meta.label_lower,
                ids=[p.pk for p in priorities],
            )
        deciding = user.has_perm("tasking.approve_priority")
        unit_id = getattr(user, "unit_id", None)
        # A manager of the receiving unit adopts or declines a waiting one.
        rows = [
            {
                "priority": priority,
                "may_decide": deciding
                and unit_id is not None
                and priority.status == PriorityStatus.CANDIDATE
                and priority.compartment.unit_id == unit_id,
            }
            for priority in priorities
        ]
        if any(row["may_decide"] for row in rows):
            context["meetings"] = list(adoption_meetings(user))
        context["show_priorities"] = show
        context["priority_rows"] = rows
        context["more_priorities"] = len(priorities) >= FROM_ABOVE_PRIORITIES
        return context


class RequirementAcceptView(RecordPostView):
    model = Requirement
    permission_required = "tasking.change_requirement"
    success_message = gettext_lazy("Requirement accepted: task against it and answer it.")

    def run(self, request, requirement):
        return levels.accept_requirement(requirement, actor=request.user)


class RequirementIssueView(RecordFormView):
    model = Requirement
    permission_required = "tasking.add_requirement"
    template_name = "sharing/issue_form.html"
    form_class = IssueForm
    success_message = gettext_lazy("Requirement issued to the units below.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": levels.units_below(self.record)}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "requirement": self.record,
            "progress": levels.progress_below(self.record),
        }

    def run(self, form):
        return levels.issue_down(
            self.record, actor=self.request.user, units=form.cleaned_data["units"]
        )


class RequirementCloseView(RecordPostView):
    model = Requirement
    permission_required = "tasking.change_requirement"
    success_message = gettext_lazy("Requirement closed here and in the units below.")

    def run(self, request, requirement):
        form = CloseForm(request.POST)
        form.is_valid()
        return levels.close_requirement(
            requirement,
            actor=request.user,
            status=form.cleaned_data.get("status") or request.POST.get("status", ""),
            note=form.cleaned_data.get("note", ""),
        )


class PriorityIssueView(RecordFormView):
    """Issuing an approved priority down, and the progress of the units it went to."""

    model = Priority
    permission_required = "tasking.approve_priority"
    template_name = "sharing/priority_issue_form.html"
    form_class = IssueForm
    success_message = gettext_lazy("Priority issued to the units below.")

    def get_form_kwargs(self):
        # The units below that have no copy yet (the service refuses the others anyway).
        issued = set(
            Priority.objects.filter(issued_from=self.record).values_list(
                "compartment__unit_id", flat=True
            )
        )
        units = [unit for unit in strategy.units_below(self.record) if unit.pk not in issued]
        return {**super().get_form_kwargs(), "units": units}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "priority": self.record,
            "progress": strategy.progress_below(self.record),
        }

    def run(self, form):
        return strategy.issue_priority_down(
            self.record, actor=self.request.user, units=form.cleaned_data["units"]
        )

    def get_success_url(self):
        return reverse("sharing:priority_issue", args=[self.record.pk])


class _FromAbovePostView(RecordPostView):
    """Adopting or declining a priority from above: back to the "From above" page."""

    model = Priority
    permission_required = "tasking.approve_priority"

    def get_success_url(self):
        return reverse("sharing:requirements")


class PriorityAdoptView(_FromAbovePostView):
    success_message = gettext_lazy("Adopted: the priority is in your unit's control strategy.")

    def run(self, request, priority):
        form = AdoptForm(request.POST, user=request.user)
        meeting = form.cleaned_data["meeting"] if form.is_valid() else None
        return strategy.adopt_priority(priority, actor=request.user, meeting=meeting)


class PriorityDeclineView(_FromAbovePostView):
    success_message = gettext_lazy("Declined: the issuing level sees that your unit declined it.")

    def run(self, request, priority):
        form = DeclineForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        return strategy.decline_priority(priority, actor=request.user, reason=reason)


class AggregatesView(RestrictedViewMixin, TemplateView):
    """Counts from the units below (``sharing.aggregates``): the documented exemption."""

    model = Share
    permission_required = "sharing.view_aggregates"
    template_name = "sharing/aggregates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AggregateForm(self.request.GET or None)
        since, until = periods.default_period(timezone.localdate())
        if form.is_bound and form.is_valid():
            since = form.cleaned_data.get("since") or since
            until = form.cleaned_data.get("until") or until
        figures = None
        if not form.is_bound or form.is_valid():
            figures = aggregates.figures_for(self.request.user, since=since, until=until)
        context.update({"form": form, "figures": figures})
        return context
