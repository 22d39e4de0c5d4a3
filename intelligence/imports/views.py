"""Browser pages of incident imports: upload, mapping (when the header does not say), the job
page with its progress bar, and the list. Thin: the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView

from audit import services as audit
from ilp_platform.accounts.models import Compartment
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import RestrictedDetailView, RestrictedListView, RestrictedViewMixin
from intelligence.imports import files, mapping, services
from intelligence.imports.choices import FIELD_LABELS
from intelligence.imports.forms import MappingForm, UploadForm
from intelligence.models import ImportJob

PENDING = "ilp_pending_import"


class LimitedUploadHandler(FileUploadHandler):
    """Stops storing an upload as soon as it passes the configured limit (the rest of the
    request is read and dropped), so an oversized file never lands on disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = files.max_bytes()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.import_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_uploads(request) -> None:
    request.upload_handlers.insert(0, LimitedUploadHandler(request))


class ImportListView(RestrictedListView):
    model = ImportJob
    template_name = "intelligence/import_list.html"
    requires_justification = False  # file names and counts, no incident content

    def get_list_queryset(self):
        return self.get_base_queryset().select_related("compartment", "requested_by")

    def get_queryset(self):
        return self.get_list_queryset()


@method_decorator(csrf_exempt, name="dispatch")
class ImportUploadView(RestrictedViewMixin, FormView):
    model = ImportJob
    form_class = UploadForm
    template_name = "intelligence/import_upload.html"
    permission_required = "intelligence.add_importjob"
    requires_justification = False

    def dispatch(self, request, *args, **kwargs):
        # The size limit must be in place before anything (the CSRF check included) reads
        # the body, so CSRF is checked here, after the handler is installed.
        limit_uploads(request)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_mb=files.max_bytes() // (1024 * 1024), **kwargs)

    def form_invalid(self, form):
        if getattr(self.request, "import_too_large", False):
            form.errors.pop("file", None)
            form.add_error("file", files.too_large_message())
        return super().form_invalid(form)

    def form_valid(self, form):
        if getattr(self.request, "import_too_large", False):
            return self.form_invalid(form)
        user, data = self.request.user, form.cleaned_data
        upload = data["file"]
        try:
            stored = services.receive_upload(
                actor=user,
                upload=upload,
                file_name=upload.name,
                size=upload.size,
                encoding=data["encoding"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        try:
            job = services.start_import(
                actor=user, stored=stored, compartment=data["compartment"], mode=data["mode"]
            )
        except ValidationError as exc:
            if "mapping" in exc.message_dict and len(exc.message_dict) == 1:
                self.request.session[PENDING] = {
                    **stored.as_dict(),
                    "compartment": data["compartment"].pk,
                    "mode": data["mode"],
                }
                return redirect("intelligence:import_mapping")
            stored.delete()
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("File received; it is being checked."))
        return redirect(job)


class ImportMappingView(RestrictedViewMixin, FormView):
    """Shown when the header does not name the fields and no mapping is remembered for it."""

    model = ImportJob
    form_class = MappingForm
    template_name = "intelligence/import_mapping.html"
    permission_required = "intelligence.add_importjob"
    requires_justification = False

    def pending_upload(self):
        """The stored upload waiting for its mapping, or ``None``. Read once the role and the
        method have been checked, so a person without the role is refused, not redirected."""
        pending = self.request.session.get(PENDING)
        try:
            stored = files.StoredFile.from_dict(pending) if pending else None
        except (KeyError, TypeError, ValueError):
            stored = None
        if stored is None or not stored.exists():
            self.request.session.pop(PENDING, None)
            return None
        return stored

    def upload_first(self):
        messages.warning(self.request, _("Upload the file first."))
        return redirect("intelligence:import_upload")

    def get(self, request, *args, **kwargs):
        self.stored = self.pending_upload()
        if self.stored is None:
            return self.upload_first()
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "columns": self.stored.columns}
        if self.request.method == "GET":
            kwargs["initial"] = mapping.suggestion(self.stored.columns)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(stored=self.stored, labels=FIELD_LABELS, **kwargs)

    def post(self, request, *args, **kwargs):
        self.stored = self.pending_upload()
        if self.stored is None:
            return self.upload_first()
        if "cancel" in request.POST:
            self.stored.delete()
            request.session.pop(PENDING, None)
            messages.info(request, _("Import cancelled; the file was deleted."))
            return redirect("intelligence:import_list")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        pending = self.request.session[PENDING]
        compartment = Compartment.objects.visible_to(self.request.user).filter(
            pk=pending.get("compartment")
        )
        try:
            job = services.start_import(
                actor=self.request.user,
                stored=self.stored,
                compartment=compartment.first(),
                mode=pending.get("mode", ""),
                given_mapping=form.mapping(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(None, f"{field}: {error}" if field != "mapping" else error)
            return self.form_invalid(form)
        self.request.session.pop(PENDING, None)
        messages.success(self.request, _("Mapping saved for files like this one."))
        return redirect(job)


class ImportDetailView(RestrictedDetailView):
    model = ImportJob
    template_name = "intelligence/import_detail.html"
    context_object_name = "job"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("compartment", "requested_by")


class ImportProgressView(RestrictedViewMixin, View):
    """The progress block the job page polls. Status only, so no consultation event; when the
    job ends the whole page reloads (and that view is logged)."""

    model = ImportJob
    requires_justification = False

    def get(self, request, pk):
        job = ImportJob.objects.visible_to(request.user).filter(pk=pk).first()
        if job is None:
            audit.record_denied(
                object_type=ImportJob._meta.label_lower,
                object_id=pk,
                reason="not found or outside the user's compartments",
            )
            raise Http404
        if job.is_finished and request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return TemplateResponse(request, "intelligence/import_progress.html", {"job": job})
