"""The data-protection officer's pages: the register of processing (with its CSV and PDF
export), impact assessments and their approval, proportionality packs and their verification.

No page shows intelligence content, so none asks for a justification; each is a recorded
consultation, each change an audited service call, and the packs are read only by those
granted them (``ProportionalityPack.objects.visible_to``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from audit import services as audit
from audit.choices import Action
from dataprotection import activities, services
from dataprotection.forms import ApproveForm, AssessmentForm, PackForm, RecordForm, VerifyForm
from dataprotection.models import ImpactAssessment, ProcessingRecord, ProportionalityPack
from dataprotection.packs import canonical
from ilp_platform.core.errors import StateConflict
from ilp_platform.web.exports import csv_response
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    CreateFormView,
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
)


class RecordListView(RestrictedListView):
    """The register: every record of processing, the activities without one, and those whose
    required impact assessment is not approved."""

    model = ProcessingRecord
    template_name = "dataprotection/record_list.html"
    requires_justification = False
    page_size = 200
    ordering_key = None

    def get_queryset(self):
        return self.get_base_queryset().select_related("updated_by").order_by("pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = context["page"].items
        approved = set(
            ImpactAssessment.objects.visible_to(self.request.user)
            .filter(status="approved")
            .values_list("record_id", flat=True)
        )
        for record in records:
            record.has_approved_assessment = record.pk in approved
        context["missing"] = activities.missing_records()
        context["lacking_assessment"] = [
            r for r in records if r.assessment_required and r.pk not in approved
        ]
        return context


class RecordDetailView(RestrictedDetailView):
    model = ProcessingRecord
    template_name = "dataprotection/record_detail.html"
    requires_justification = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activity"] = activities.get(self.object.activity)
        context["assessments"] = ImpactAssessment.objects.visible_to(self.request.user).filter(
            record=self.object
        )
        return context


class RecordEditView(RecordFormView):
    model = ProcessingRecord
    permission_required = "dataprotection.change_processingrecord"
    template_name = "dataprotection/form.html"
    form_class = RecordForm
    requires_justification = False
    success_message = gettext_lazy("Record of processing saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.record}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("Edit the record of %(activity)s") % {"activity": self.record.activity},
            "back": self.record.get_absolute_url(),
        }

    def run(self, form):
        return services.update_record(
            self.record, actor=self.request.user, data=dict(form.cleaned_data)
        )


def register_rows(records):
    for r in records:
        yield [
            r.activity,
            r.name,
            r.purpose,
            r.legal_basis,
            r.data_categories,
            r.subject_categories,
            r.recipients,
            r.retention,
            r.safeguards,
            _("yes") if r.assessment_required else _("no"),
            r.updated_at.isoformat(),
        ]


REGISTER_HEADERS = (
    "activity",
    "name",
    "purpose",
    "legal_basis",
    "data_categories",
    "subject_categories",
    "recipients",
    "retention",
    "safeguards",
    "assessment_required",
    "updated_at",
)


class RegisterExportView(RestrictedViewMixin, TemplateView):
    """The register as CSV (``?format=csv``) or PDF (``?format=pdf``); the export is logged."""

    model = ProcessingRecord
    requires_justification = False

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "pdf"):
            return HttpResponse(
                _("format: choose csv or pdf."), status=400, content_type="text/plain"
            )
        records = list(ProcessingRecord.objects.visible_to(request.user).order_by("activity"))
        audit.record(
            Action.EXPORT,
            object_type="dataprotection.processingrecord",
            details={"ids": [str(r.pk) for r in records], "format": fmt, "count": len(records)},
        )
        if fmt == "csv":
            return csv_response(
                register_rows(records), headers=REGISTER_HEADERS, stem="processing-register"
            )
        from ilp_platform.web.pdf import render_pdf

        approved = {
            a.record_id: a
            for a in ImpactAssessment.objects.visible_to(request.user)
            .filter(status="approved")
            .order_by("approved_at")
        }
        for record in records:
            record.assessment = approved.get(record.pk)
        body = render_pdf(
            "dataprotection/pdf/register.html",
            {"records": records, "exported_at": timezone.now(), "exported_by": request.user},
            marking=_("Register of processing activities (LED Art. 24)"),
        )
        response = HttpResponse(body, content_type="application/pdf")
        stamp = timezone.now().strftime("%Y-%m-%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="processing-register-{stamp}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


# --- Impact assessments -----------------------------------------------------------------------


class AssessmentListView(RestrictedListView):
    model = ImpactAssessment
    template_name = "dataprotection/assessment_list.html"
    requires_justification = False
    sort_columns = {"id": "id", "review_due": "review_due", "status": "status"}
    default_sort = "-id"

    def get_queryset(self):
        return self.get_base_queryset().select_related("record", "author", "approved_by")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "today": timezone.localdate()}


class AssessmentDetailView(RestrictedDetailView):
    model = ImpactAssessment
    template_name = "dataprotection/assessment_detail.html"
    requires_justification = False

    def get_queryset(self):
        return super().get_queryset().select_related("record", "author", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_approve"] = (
            user.has_perm("dataprotection.approve_impactassessment")
            and self.object.status != "approved"
            and self.object.author_id != user.pk
        )
        context["approve_form"] = ApproveForm()
        return context


class AssessmentCreateView(CreateFormView):
    model = ImpactAssessment
    permission_required = "dataprotection.add_impactassessment"
    template_name = "dataprotection/form.html"
    form_class = AssessmentForm
    requires_justification = False

    def get_initial(self):
        record = self.request.GET.get("record", "")
        return {"record": record} if record.isdigit() else {}

    def create(self, data):
        return services.create_assessment(actor=self.request.user, data=dict(data))

    def success_message(self, assessment):
        return _("Impact assessment written; someone other than you approves it.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Write an impact assessment")}


class AssessmentEditView(RecordFormView):
    model = ImpactAssessment
    permission_required = "dataprotection.change_impactassessment"
    template_name = "dataprotection/form.html"
    form_class = AssessmentForm
    requires_justification = False
    success_message = gettext_lazy("Impact assessment saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.record}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("Edit %(ref)s") % {"ref": self.record.reference},
            "back": self.record.get_absolute_url(),
            "note": _("Saving an approved assessment returns it to draft, to be approved again.")
            if self.record.status == "approved"
            else "",
        }

    def run(self, form):
        return services.update_assessment(
            self.record, actor=self.request.user, data=dict(form.cleaned_data)
        )


class AssessmentApproveView(RecordPostView):
    model = ImpactAssessment
    permission_required = "dataprotection.approve_impactassessment"
    success_message = gettext_lazy("Impact assessment approved.")

    def run(self, request, assessment):
        form = ApproveForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        return services.approve_assessment(assessment, actor=request.user, note=note)


# --- Proportionality packs --------------------------------------------------------------------


class PackListView(RestrictedListView):
    model = ProportionalityPack
    template_name = "dataprotection/pack_list.html"
    requires_justification = False

    def get_queryset(self):
        return self.get_base_queryset().select_related("produced_by").defer("content")


class PackCreateView(CreateFormView):
    model = ProportionalityPack
    permission_required = "dataprotection.add_proportionalitypack"
    template_name = "dataprotection/form.html"
    form_class = PackForm
    requires_justification = False

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user", None)
        return kwargs

    def create(self, data):
        return services.produce_pack(
            actor=self.request.user, subject_type=data["subject_type"], subject=data["subject"]
        )

    def success_message(self, pack):
        return _("Pack produced; its SHA-256 is recorded in the audit log.")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("Produce a proportionality pack"),
            "note": _(
                "The pack names what the log names: people, records by type, id and reference, "
                "compartments and flags; no names or texts of intelligence."
            ),
        }


class PackDetailView(RestrictedDetailView):
    model = ProportionalityPack
    template_name = "dataprotection/pack_detail.html"
    requires_justification = False

    def get_queryset(self):
        return super().get_queryset().select_related("produced_by")


class PackDownloadView(RestrictedDetailView):
    """The pack as JSON (its canonical bytes: their SHA-256 is the recorded one) or PDF."""

    model = ProportionalityPack
    requires_justification = False
    fmt = "json"

    def get(self, request, *args, **kwargs):
        pack = self.get_object()
        audit.record(Action.EXPORT, obj=pack, details={"format": self.fmt, "sha256": pack.sha256})
        if self.fmt == "json":
            response = HttpResponse(canonical(pack.content), content_type="application/json")
            name = f"{pack.reference}.json"
        else:
            from ilp_platform.web.pdf import render_pdf

            body = render_pdf(
                "dataprotection/pdf/pack.html",
                {"pack": pack, "c": pack.content},
                marking=_("Proportionality pack %(ref)s, SHA-256 %(sha)s")
                % {"ref": pack.reference, "sha": pack.sha256[:16] + "…"},
            )
            response = HttpResponse(body, content_type="application/pdf")
            name = f"{pack.reference}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class PackVerifyView(RestrictedViewMixin, FormView):
    """Submit a pack's JSON (file or pasted) or its SHA-256: match or mismatch against the
    hashes the audit log recorded."""

    model = ProportionalityPack
    template_name = "dataprotection/pack_verify.html"
    form_class = VerifyForm
    requires_justification = False

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            result = services.verify_pack(
                actor=self.request.user,
                pack_text=data.get("pack_file") or data.get("pack") or "",
                sha256=data.get("sha256") or "",
            )
        except (ValidationError, StateConflict) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        if result["match"]:
            messages.success(self.request, _("Match: the pack is unchanged."))
        else:
            messages.error(self.request, _("Mismatch: no pack with this SHA-256 was recorded."))
        return self.render_to_response(self.get_context_data(form=form, result=result))
