"""Exchange pages: the partner register, this installation's identity, packages (build,
follow, download, push) and the inbox (packages received, upload one)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from audit import services as audit
from audit.choices import Action
from exchange import content, grading_map, services
from exchange import package as pkg
from exchange.forms import PackageForm, PartnerForm, UploadForm
from exchange.models import (
    ExchangePackage,
    InstallationKey,
    Partner,
    ReceiveChannel,
    ReceivedPackage,
)
from ilp_platform.accounts.models import Compartment
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    RecordActionMixin,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
)
from intelligence import grading

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def _held(user) -> set[int]:
    """The compartments a page of the register names: those ``user`` holds, or every one for
    the administrators who manage the register (they choose them when editing a partner)."""
    if user.has_perm("exchange.change_partner"):
        return set(Compartment.objects.values_list("pk", flat=True))
    return set(Compartment.objects.visible_to(user).values_list("pk", flat=True))


class _Register(RestrictedViewMixin):
    """Pages of the partner register and the identity: no compartments, no intelligence."""

    requires_justification = False

    def get_base_queryset(self):
        return self.model.objects.all()


class PartnerListView(_Register, TemplateView):
    model = Partner
    template_name = "exchange/partner_list.html"

    def get_context_data(self, **kwargs):
        partners = list(Partner.objects.select_related("intake_compartment").order_by("name"))
        audit.consultation(
            Action.LIST, object_type="exchange.partner", ids=[p.pk for p in partners]
        )
        held = _held(self.request.user)
        for partner in partners:
            # The REFERENCE RULE: a compartment the reader does not hold is not named.
            partner.intake_shown = (
                partner.intake_compartment if partner.intake_compartment_id in held else None
            )
        return {
            **super().get_context_data(**kwargs),
            "partners": partners,
            "identity": services.current_key(),
        }


class PartnerDetailView(_Register, TemplateView):
    model = Partner
    template_name = "exchange/partner_detail.html"

    def get_context_data(self, **kwargs):
        partner = get_object_or_404(Partner, pk=self.kwargs["pk"])
        audit.consultation(Action.VIEW, obj=partner)
        held = _held(self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "partner": partner,
            "intake": partner.intake_compartment if partner.intake_compartment_id in held else None,
            "sendable": partner.sendable_compartments.filter(pk__in=held).order_by("name"),
            # The sendable compartments the reader does not hold: counted, not named.
            "other_compartments": partner.sendable_compartments.exclude(pk__in=held).count(),
        }


class PartnerFormView(_Register, FormView):
    model = Partner
    form_class = PartnerForm
    template_name = "exchange/partner_form.html"
    permission_required = "exchange.add_partner"

    @property
    def partner(self) -> Partner | None:
        return None

    def get_initial(self):
        partner = self.partner
        if partner is None:
            return {"sends_entities": True, "is_active": True}
        return {
            **{
                name: getattr(partner, name)
                for name in (
                    "name",
                    "country",
                    "contact",
                    "public_key",
                    "grading_scheme",
                    "sends_entities",
                    "inbox_url",
                    "is_active",
                )
            },
            "handling_codes": ", ".join(partner.handling_codes),
            "intake_compartment": partner.intake_compartment,
            "sendable_compartments": list(partner.sendable_compartments.all()),
        }

    def get_context_data(self, **kwargs):
        title = (
            _("Change %(name)s") % {"name": self.partner}
            if self.partner
            else _("Register a partner agency")
        )
        return {**super().get_context_data(**kwargs), "title": title, "partner": self.partner}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            if self.partner is None:
                partner = services.register_partner(actor=self.request.user, data=data)
            else:
                partner = services.update_partner(self.partner, actor=self.request.user, data=data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Saved. Fingerprint: %(fp)s") % {"fp": partner.fingerprint}
        )
        return HttpResponseRedirect(partner.get_absolute_url())


class PartnerEditView(PartnerFormView):
    permission_required = "exchange.change_partner"

    @property
    def partner(self) -> Partner | None:
        if not hasattr(self, "_partner"):
            self._partner = get_object_or_404(Partner, pk=self.kwargs["pk"])
        return self._partner


class IdentityView(_Register, TemplateView):
    model = InstallationKey
    template_name = "exchange/identity.html"

    def get_context_data(self, **kwargs):
        keys = list(InstallationKey.objects.order_by("retired_at", "-created_at"))
        audit.consultation(
            Action.LIST, object_type="exchange.installationkey", ids=[k.pk for k in keys]
        )
        return {**super().get_context_data(**kwargs), "keys": keys}


# --- Packages ---------------------------------------------------------------------------------


class PackageListView(RestrictedListView):
    model = ExchangePackage
    template_name = "exchange/package_list.html"

    def get_queryset(self):
        return self.get_base_queryset().select_related("partner", "compartment", "requested_by")


class PackageDetailView(RestrictedDetailView):
    model = ExchangePackage
    template_name = "exchange/package_detail.html"
    context_object_name = "package"

    def get_queryset(self):
        return self.get_base_queryset().select_related("partner", "compartment", "requested_by")


def _choices_from(post) -> dict[str, dict[str, str]]:
    """``choice:<URN>:<axis>`` fields of the form: the sender's codes where no faithful
    counterpart exists."""
    chosen: dict[str, dict[str, str]] = {}
    for name, value in post.items():
        if name.startswith("choice:") and value:
            _prefix, urn, axis = (name.split(":", 2) + ["", ""])[:3]
            if axis in grading_map.AXES:
                chosen.setdefault(urn, {})[axis] = value
    return chosen


class PackageCreateView(RestrictedViewMixin, FormView):
    model = ExchangePackage
    form_class = PackageForm
    template_name = "exchange/package_form.html"
    permission_required = "exchange.add_exchangepackage"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        chosen = _choices_from(self.request.POST)
        try:
            # Its own transaction (none around it): a refusal's denied disclosure event stays.
            package = services.request_package(
                actor=self.request.user,
                partner=data["partner"],
                reports=data["reports"],
                legal_basis=data["legal_basis"],
                conditions=data.get("conditions") or [],
                grading_choices=chosen,
                valid_days=data.get("valid_days"),
                conditions_acknowledged=data.get("conditions_acknowledged", False),
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                apply_errors(form, exc)
            check = content.check_selection(
                self.request.user,
                partner=data["partner"],
                report_ids=data["reports"],
                legal_basis=data["legal_basis"],
                conditions=[],
                grading_choices=chosen,
                conditions_acknowledged=True,
            )
            undecided = [
                {
                    "urn": row["urn"],
                    "axis": axis,
                    "axis_label": grading.AXIS_LABELS[axis],
                    "given": f"{row[axis]} ({row['grading_scheme']}: "
                    f"{grading.meaning(row['grading_scheme'], axis, row[axis])})",
                    "options": [
                        (code, grading.meaning(data["partner"].grading_scheme, axis, code))
                        for code in options
                    ],
                }
                for row in check.rows
                for axis, options in check.mapped.get(
                    row["id"], grading_map.Mapped("")
                ).undecided.items()
            ]
            return self.render_to_response(self.get_context_data(form=form, undecided=undecided))
        messages.success(self.request, _("The package is being built."))
        return HttpResponseRedirect(package.get_absolute_url())


class PackageDownloadView(RecordActionMixin, TemplateView):
    model = ExchangePackage

    def get(self, request, *args, **kwargs):
        package = self.record
        if not package.stored_name:
            messages.error(request, _("The package is not built yet."))
            return redirect(package.get_absolute_url())
        data = services.download(package, actor=request.user)
        response = HttpResponse(data, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{package.package_id}.json"'
        return response


class PackagePushView(RecordPostView):
    model = ExchangePackage
    permission_required = "exchange.add_exchangepackage"
    recheck_visibility = False
    success_message = ""

    def run(self, request, record):
        if not record.stored_name:
            raise ValidationError({"status": [_("The package is not built yet.")]})
        answer = services.push(record, actor=request.user)
        messages.success(request, _("The partner's inbox took the package in."))
        return answer


# --- Inbox ------------------------------------------------------------------------------------


class InboxView(RestrictedListView):
    model = ReceivedPackage
    template_name = "exchange/inbox.html"
    requires_justification = False  # partners and counts: no intelligence text

    def get_queryset(self):
        return self.get_base_queryset().select_related("partner", "compartment", "received_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        return context


class InboxUploadView(RestrictedViewMixin, FormView):
    model = ReceivedPackage
    form_class = UploadForm
    template_name = "exchange/upload.html"
    permission_required = "exchange.add_receivedpackage"
    requires_justification = False

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The package is larger than 200 MB."))
            return self.form_invalid(form)
        try:
            received = services.receive(
                upload.read(), channel=ReceiveChannel.UPLOAD, actor=self.request.user
            )
        except pkg.Refused as exc:
            form.add_error("file", exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Package from %(partner)s taken in: %(reports)s reports now await evaluation in "
                "%(compartment)s."
            )
            % {
                "partner": received.partner.name,
                "reports": received.report_count,
                "compartment": received.compartment.name,
            },
        )
        return HttpResponseRedirect(reverse("exchange:inbox"))
