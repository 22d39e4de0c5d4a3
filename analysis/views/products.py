"""Browser pages for analytical products. Thin: parse input, call a service or selector, render.

Reads go through ``Product.objects.visible_to`` (the base views apply it); every change goes
through ``analysis.services.products`` and is undone if the product would leave its author's
reach.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from analysis import templates_products
from analysis.choices import ProductStatus
from analysis.forms.products import (
    CiteForm,
    DisseminateForm,
    ProductCreateForm,
    ProductEditForm,
    ProductFilterForm,
    ReturnForm,
)
from analysis.models import AnalysisJob, Citation, Product
from analysis.services.products.citations import cite, remove_citation
from analysis.services.products.content import (
    content_hash,
    current_version,
    handling_problems,
    product_content,
)
from analysis.services.products.dissemination import disseminate_product
from analysis.services.products.export import export_product
from analysis.services.products.workflow import (
    ADD,
    APPROVE,
    CHANGE,
    approve_product,
    create_product,
    return_product,
    revise_product,
    submit_product,
    update_product,
)
from audit import services as audit
from audit.choices import Action
from ilp_platform.core.jobs import JobStatus
from ilp_platform.web.forms import apply_errors
from ilp_platform.web.views import (
    RecordActionMixin,
    RecordFormView,
    RecordPostView,
    RestrictedDetailView,
    RestrictedListView,
    RestrictedViewMixin,
    errors_to_messages,
    write_visibly,
)
from intelligence.choices import ReportStatus
from intelligence.models import Entity, Report

SEARCH_LIMIT = 10


class ProductListView(RestrictedListView):
    model = Product
    template_name = "analysis/product_list.html"
    page_size = 25

    def get_queryset(self):
        self.filter_form = ProductFilterForm(self.request.GET or None)
        queryset = self.get_base_queryset().select_related("compartment", "author")
        return self.filter_form.apply(queryset, self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class ProductDetailView(RestrictedDetailView):
    model = Product
    template_name = "analysis/product_detail.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("compartment", "author", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product, user = self.object, self.request.user
        citations = list(product.citations.all())
        is_author = product.author_id == user.pk
        editable = product.is_editable and is_author and user.has_perm(CHANGE)
        reviewer = (
            product.status == ProductStatus.IN_REVIEW and not is_author and user.has_perm(APPROVE)
        )
        approved = product.status in (ProductStatus.APPROVED, ProductStatus.DISSEMINATED)
        context.update(
            {
                "content": product_content(product, citations),
                "citations": citations,
                "guidance": templates_products.guidance_for(product.kind),
                "handling_problems": handling_problems(product, citations),
                "rules": product.disclosure_rules(),
                "versions": product.versions.select_related("approved_by").order_by("-number"),
                "disseminations": product.disseminations.select_related(
                    "version", "disseminated_by"
                ),
                "can_edit": editable,
                "can_submit": editable,
                "can_review": reviewer,
                "is_author_in_review": product.status == ProductStatus.IN_REVIEW and is_author,
                "can_revise": approved and is_author and user.has_perm(CHANGE),
                "can_disseminate": approved and user.has_perm(APPROVE),
                "return_form": ReturnForm(),
                "my_jobs": _citable_jobs(user, product) if editable else [],
            }
        )
        return context


def _citable_jobs(user, product):
    """The person's own succeeded analyses whose data is exactly the product's compartment."""
    return list(
        AnalysisJob.objects.visible_to(user)
        .filter(requested_by=user, status=JobStatus.SUCCEEDED, compartments=product.compartment)
        .order_by("-finished_at", "-id")[:SEARCH_LIMIT]
    )


class ProductCreateView(RestrictedViewMixin, FormView):
    model = Product
    form_class = ProductCreateForm
    template_name = "analysis/product_form.html"
    permission_required = ADD
    requires_justification = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = [
            (label, templates_products.sections_for(kind))
            for kind, label in Product._meta.get_field("kind").choices
        ]
        return context

    def form_valid(self, form):
        user = self.request.user
        try:
            product = write_visibly(
                user, lambda: create_product(actor=user, data=form.product_data())
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Draft %(ref)s created from the %(kind)s template.")
            % {"ref": product.reference, "kind": product.get_kind_display()},
        )
        return redirect(product)


class ProductObjectMixin(RecordActionMixin):
    """A page acting on one product: the product, visible to the user, or a logged 404."""

    model = Product

    def record_queryset(self):
        return Product.objects.select_related("compartment", "author")

    @property
    def product(self) -> Product:
        return self.record


class ProductEditView(ProductObjectMixin, RecordFormView):
    form_class = ProductEditForm
    template_name = "analysis/product_edit.html"
    permission_required = CHANGE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "product": self.product}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = self.product
        context["handling_problems"] = handling_problems(self.product)
        return context

    def run(self, form):
        return update_product(self.product, actor=self.request.user, data=form.product_data())

    def get_success_url(self):
        messages.success(
            self.request, _("Product saved (version %(n)s).") % {"n": self.product.version}
        )
        return super().get_success_url()


class ProductPostView(ProductObjectMixin, RecordPostView):
    """A POST that runs one service on a product, then returns to its page with a message.

    Writes that may leave the product's compartment are re-checked inside one transaction;
    citing does not move the product, and its refused look-ups must stay logged
    (``recheck_visibility = False``)."""


class ProductSubmitView(ProductPostView):
    permission_required = CHANGE
    success_message = gettext_lazy("Submitted for review.")

    def run(self, request, product):
        return submit_product(product, actor=request.user)


class ProductApproveView(ProductPostView):
    permission_required = APPROVE
    success_message = gettext_lazy(
        "Approved: the version is frozen and can be exported and disseminated."
    )

    def run(self, request, product):
        approve_product(product, actor=request.user)
        return product


class ProductReturnView(ProductPostView):
    permission_required = APPROVE
    success_message = gettext_lazy("Returned to the author with your comment.")

    def run(self, request, product):
        form = ReturnForm(request.POST)
        comment = form.data.get("comment", "")
        return return_product(product, actor=request.user, comment=comment)


class ProductReviseView(ProductPostView):
    permission_required = CHANGE
    success_message = gettext_lazy(
        "A new version is open for editing; the approved one stays frozen."
    )

    def run(self, request, product):
        return revise_product(product, actor=request.user)


class ProductCiteView(ProductPostView):
    permission_required = CHANGE
    success_message = gettext_lazy("Cited; the material is kept as it is now.")
    recheck_visibility = False

    def run(self, request, product):
        form = CiteForm(request.POST)
        if not form.is_valid():
            raise ValidationError(
                {
                    field: [e["message"] for e in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        cite(
            product,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            target_id=form.cleaned_data["id"],
            note=form.cleaned_data["note"],
        )
        return product


class ProductUnciteView(ProductPostView):
    permission_required = CHANGE
    success_message = gettext_lazy("Citation removed.")
    recheck_visibility = False  # as for citing: the product stays where it is

    def run(self, request, product):
        citation = Citation.objects.filter(product=product, pk=self.kwargs["citation"]).first()
        if citation is None:
            audit.record_denied(
                object_type=Citation._meta.label_lower,
                object_id=self.kwargs["citation"],
                reason=f"not a citation of product {product.pk}, or already removed",
            )
            raise Http404
        remove_citation(citation, actor=request.user)
        return product


class ProductCiteSearchView(ProductObjectMixin, TemplateView):
    """Find material to cite: reports by URN, entities by name (a search, logged as one)."""

    permission_required = CHANGE
    template_name = "analysis/product_cite_search.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["analysis/_product_cite_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, product = self.request.user, self.product
        kind = self.request.GET.get("kind") or "report"
        query = (self.request.GET.get("q") or "").strip()
        results = []
        if query and kind == "report":
            results = list(
                Report.objects.visible_to(user)
                .filter(
                    compartment=product.compartment,
                    status=ReportStatus.EVALUATED,
                    urn__icontains=query,
                )
                .order_by("-id")[:SEARCH_LIMIT]
            )
        elif query and kind == "entity":
            results = list(
                Entity.objects.visible_to(user)
                .current()
                .filter(compartment=product.compartment, name__icontains=query)
                .order_by("name", "id")[:SEARCH_LIMIT]
            )
        if not self.request.headers.get("HX-Request"):
            # The whole page names the product (reference and title): a consultation of it.
            audit.consultation(Action.VIEW, obj=product, details={"part": "cite search"})
        if query:
            model = Report if kind == "report" else Entity
            audit.consultation(
                Action.SEARCH,
                object_type=model._meta.label_lower,
                ids=[r.pk for r in results],
                query=query,
                count=len(results),
                details={"purpose": f"cite in {product.reference}"},
            )
        context.update({"product": product, "kind": kind, "query": query, "results": results})
        return context


class ProductDisseminateView(ProductObjectMixin, FormView):
    form_class = DisseminateForm
    template_name = "analysis/product_disseminate.html"
    permission_required = APPROVE

    def get(self, request, *args, **kwargs):
        audit.consultation(Action.VIEW, obj=self.product)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = self.product
        context["rules"] = self.product.disclosure_rules()
        context["version"] = current_version(self.product)
        return context

    def form_valid(self, form):
        user, product = self.request.user, self.product
        try:
            dissemination = disseminate_product(product, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Version %(n)s disseminated to %(to)s; the disclosure is recorded.")
            % {"n": dissemination.version.number, "to": dissemination.recipient},
        )
        return redirect(product)


class ProductVersionView(ProductObjectMixin, TemplateView):
    template_name = "analysis/product_version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.product
        version = (
            product.versions.select_related("approved_by")
            .filter(number=self.kwargs["number"])
            .first()
        )
        if version is None:
            raise Http404
        audit.consultation(Action.VIEW, obj=product, details={"version": version.number})
        context.update(
            {
                "product": product,
                "version": version,
                "content": version.content,
                "hash_intact": content_hash(version.content) == version.content_hash,
            }
        )
        return context


class ProductExportView(ProductObjectMixin, TemplateView):
    """PDF or standalone HTML of a frozen version (default: the latest), audited as an export."""

    def get(self, request, *args, **kwargs):
        product = self.product
        try:
            data, filename, mime = export_product(
                product,
                actor=request.user,
                fmt=request.GET.get("fmt", "pdf"),
                number=request.GET.get("version"),
            )
        except ValidationError as exc:
            errors_to_messages(request, exc.message_dict)
            return redirect(product)
        response = HttpResponse(data, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


urlpatterns = [
    path("products/", ProductListView.as_view(), name="product_list"),
    path("products/new/", ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/", ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", ProductEditView.as_view(), name="product_edit"),
    path("products/<int:pk>/submit/", ProductSubmitView.as_view(), name="product_submit"),
    path("products/<int:pk>/approve/", ProductApproveView.as_view(), name="product_approve"),
    path("products/<int:pk>/return/", ProductReturnView.as_view(), name="product_return"),
    path("products/<int:pk>/revise/", ProductReviseView.as_view(), name="product_revise"),
    path("products/<int:pk>/cite/", ProductCiteView.as_view(), name="product_cite"),
    path(
        "products/<int:pk>/cite/search/",
        ProductCiteSearchView.as_view(),
        name="product_cite_search",
    ),
    path(
        "products/<int:pk>/citations/<int:citation>/remove/",
        ProductUnciteView.as_view(),
        name="product_uncite",
    ),
    path(
        "products/<int:pk>/disseminate/",
        ProductDisseminateView.as_view(),
        name="product_disseminate",
    ),
    path(
        "products/<int:pk>/versions/<int:number>/",
        ProductVersionView.as_view(),
        name="product_version",
    ),
    path("products/<int:pk>/export/", ProductExportView.as_view(), name="product_export"),
]
