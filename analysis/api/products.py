"""API for analytical products: ``/api/v1/products/`` and its workflow actions.

Restriction, the justification rule and consultation logging come from the base mixin; every
change goes through ``analysis.services.products``.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from analysis.choices import ProductKind, ProductStatus
from analysis.models import Citation, CitationKind, Dissemination, Product, ProductVersion
from analysis.services.products.citations import cite
from analysis.services.products.content import content_hash, handling_problems
from analysis.services.products.dissemination import disseminate_product
from analysis.services.products.export import export_product
from analysis.services.products.workflow import (
    APPROVE,
    CHANGE,
    approve_product,
    create_product,
    return_product,
    revise_product,
    submit_product,
    update_product,
)
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from ilp_platform.web.filters import RestrictedAPIFilterSet
from ilp_platform.web.serializers import CompartmentField, RestrictedModelSerializer
from intelligence.api.views import ACTION_PERMISSIONS
from intelligence.choices import GradingScheme

# --- Serializers ------------------------------------------------------------------------------


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=60)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(allow_blank=True, required=False, default="")


def _one_of(choices) -> str:
    return "One of: " + ", ".join(choices.values) + "."


# Choice sets are documented as text with their values listed: several apps use the field
# names "kind" and "status" for different choice sets, and one enum name cannot serve them all.
class CitationSerializer(RestrictedModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_one_of(CitationKind))
    cited_by = serializers.CharField(source="cited_by.username", read_only=True)

    class Meta:
        model = Citation
        fields = [
            "id",
            "kind",
            "report",
            "entity",
            "job",
            "note",
            "snapshot",
            "cited_by",
            "cited_at",
        ]
        read_only_fields = fields


class ProductSerializer(RestrictedModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_one_of(ProductKind))
    status = serializers.CharField(read_only=True, help_text=_one_of(ProductStatus))
    handling_scheme = serializers.CharField(read_only=True, help_text=_one_of(GradingScheme))
    compartment = serializers.CharField(source="compartment.slug", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    approved_by = serializers.CharField(
        source="approved_by.username", read_only=True, allow_null=True, default=None
    )
    handling_meaning = serializers.CharField(source="handling_in_words", read_only=True)
    sections = SectionSerializer(many=True, read_only=True)
    citations = CitationSerializer(many=True, read_only=True)
    handling_problems = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "reference",
            "kind",
            "title",
            "terms_of_reference",
            "sections",
            "compartment",
            "handling_scheme",
            "handling_code",
            "handling_meaning",
            "handling_conditions",
            "status",
            "version",
            "author",
            "approved_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "approved_at",
            "disseminated_at",
            "review_comment",
            "returned_at",
            "citations",
            "handling_problems",
        ]
        read_only_fields = fields

    def get_handling_problems(self, obj) -> list[str]:
        return [str(p) for p in handling_problems(obj, obj.citations.all())]


def _choice(choices, **kwargs) -> serializers.CharField:
    """A choice given as text; the value is checked against ``choices`` with a clear message."""

    def check(value):
        if value not in choices.values:
            raise serializers.ValidationError(
                _("“%(value)s” is not valid. One of: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices.values)}
            )

    return serializers.CharField(validators=[check], help_text=_one_of(choices), **kwargs)


class ProductWriteSerializer(serializers.Serializer):
    kind = _choice(ProductKind)
    title = serializers.CharField(max_length=200)
    terms_of_reference = serializers.CharField(allow_blank=True, required=False, default="")
    compartment = CompartmentField()
    sections = SectionSerializer(many=True, required=False)
    handling_scheme = _choice(GradingScheme, required=False, default=GradingScheme.UK_3X5X2)
    handling_code = serializers.CharField(max_length=4, required=False, default="P")
    handling_conditions = serializers.CharField(allow_blank=True, required=False, default="")


class ProductUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    terms_of_reference = serializers.CharField(allow_blank=True, required=False)
    compartment = CompartmentField(required=False)
    sections = SectionSerializer(many=True, required=False)
    handling_scheme = _choice(GradingScheme, required=False)
    handling_code = serializers.CharField(max_length=4, required=False)
    handling_conditions = serializers.CharField(allow_blank=True, required=False)


class CiteSerializer(serializers.Serializer):
    kind = _choice(CitationKind)
    id = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField()


class DisseminateSerializer(serializers.Serializer):
    recipient = serializers.CharField(max_length=200)
    legal_basis = serializers.CharField(max_length=300)
    purpose = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    conditions_acknowledged = serializers.BooleanField(required=False, default=False)
    provider_permission = serializers.CharField(
        max_length=200, allow_blank=True, required=False, default=""
    )


class DisseminationSerializer(RestrictedModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    disseminated_by = serializers.CharField(source="disseminated_by.username", read_only=True)

    class Meta:
        model = Dissemination
        fields = [
            "id",
            "version",
            "recipient",
            "legal_basis",
            "purpose",
            "conditions_acknowledged",
            "provider_permission",
            "disseminated_by",
            "disseminated_at",
        ]
        read_only_fields = fields


class VersionSerializer(RestrictedModelSerializer):
    approved_by = serializers.CharField(source="approved_by.username", read_only=True)
    hash_intact = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = ["number", "approved_by", "approved_at", "content_hash", "hash_intact", "content"]
        read_only_fields = fields

    def get_hash_intact(self, obj) -> bool:
        return content_hash(obj.content) == obj.content_hash


# --- Viewset ----------------------------------------------------------------------------------

_CHANGE = [*ACTION_PERMISSIONS, requires(CHANGE)]
_APPROVE = [*ACTION_PERMISSIONS, requires(APPROVE)]
_EXPORT_PARAMETERS = [
    OpenApiParameter(
        "fmt", OpenApiTypes.STR, enum=["pdf", "html"], description="pdf (default) or html."
    ),
    OpenApiParameter(
        "version",
        {"type": "integer", "minimum": 1},
        description="A frozen version's number; default the latest (the working copy when "
        "none is approved yet, marked as such).",
    ),
]


class ProductFilter(RestrictedAPIFilterSet):
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices)
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices)
    compartment = django_filters.CharFilter(
        field_name="compartment__slug", help_text="Compartment slug."
    )

    class Meta:
        model = Product
        fields = ["kind", "status", "compartment"]


def _bad_request(exc: DjangoValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(tags=["analysis"])
class ProductViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Analytical products (NIM). Created from their kind's template; cite reports, entities
    and succeeded analyses; draft -> in_review -> approved -> disseminated."""

    json_only_actions = ("create", "partial_update")
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("compartment", "author", "approved_by")
            .prefetch_related("citations__cited_by")
        )

    def _respond(self, product, code=status.HTTP_200_OK):
        product = self.get_queryset().get(pk=product.pk)
        return Response(self.get_serializer(product).data, status=code)

    def _parse(self, serializer_class, data, partial=False):
        serializer = serializer_class(
            data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductSerializer})
    def create(self, request, *args, **kwargs):
        data = self._parse(ProductWriteSerializer, request.data)
        if "sections" in data:
            data["sections"] = [dict(s) for s in data["sections"]]
        product = self.write(lambda: create_product(actor=request.user, data=data))
        return self._respond(product, status.HTTP_201_CREATED)

    @extend_schema(request=ProductUpdateSerializer, responses={200: ProductSerializer})
    def partial_update(self, request, *args, **kwargs):
        product = self.get_object()
        data = self._parse(ProductUpdateSerializer, request.data, partial=True)
        if "sections" in data:
            data["sections"] = [dict(s) for s in data["sections"]]
        self.write(lambda: update_product(product, actor=request.user, data=data))
        return self._respond(product)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: ProductSerializer})
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def submit(self, request, pk=None):
        """Send a draft for review (its author), once its handling code covers its citations."""
        product = self.get_object()
        self.write(lambda: submit_product(product, actor=request.user))
        return self._respond(product)

    @extend_schema(request=None, responses={200: VersionSerializer})
    @action(detail=True, methods=["post"], permission_classes=_APPROVE)
    def approve(self, request, pk=None):
        """Approve a product in review (not its author): freezes the version."""
        product = self.get_object()
        frozen = []

        def approve():
            frozen.append(approve_product(product, actor=request.user))
            return product

        self.write(approve)
        return Response(VersionSerializer(frozen[0]).data)

    @extend_schema(request=ReturnSerializer, responses={200: ProductSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        permission_classes=_APPROVE,
    )
    def return_to_author(self, request, pk=None):
        """Return a product in review to its author, with a comment."""
        product = self.get_object()
        data = self._parse(ReturnSerializer, request.data)
        self.write(lambda: return_product(product, actor=request.user, comment=data["comment"]))
        return self._respond(product)

    @extend_schema(request=None, responses={200: ProductSerializer})
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def revise(self, request, pk=None):
        """Open the next version of an approved product for editing."""
        product = self.get_object()
        self.write(lambda: revise_product(product, actor=request.user))
        return self._respond(product)

    @extend_schema(
        request=CiteSerializer,
        responses={201: CitationSerializer, 404: OpenApiResponse(description="Not visible.")},
    )
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def cite(self, request, pk=None):
        """Cite a report, an entity or a succeeded analysis (kind + id) of the product's
        compartment; it is kept as it is now."""
        product = self.get_object()
        data = self._parse(CiteSerializer, request.data)
        try:
            # Not inside an outer transaction: a refused look-up's denial event must stay.
            citation = cite(
                product,
                actor=request.user,
                kind=data["kind"],
                target_id=data["id"],
                note=data["note"],
            )
        except Http404:
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(CitationSerializer(citation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisseminateSerializer, responses={201: DisseminationSerializer})
    @action(detail=True, methods=["post"], permission_classes=_APPROVE)
    def disseminate(self, request, pk=None):
        """Disseminate the latest approved version to a recipient (a disclosure, audited;
        refused per field when the handling code forbids it)."""
        product = self.get_object()
        data = self._parse(DisseminateSerializer, request.data)
        try:
            # Not inside an outer transaction: a refusal's audit event must stay.
            dissemination = disseminate_product(product, actor=request.user, **data)
        except DjangoValidationError as exc:
            return _bad_request(exc)
        return Response(DisseminationSerializer(dissemination).data, status=status.HTTP_201_CREATED)

    def _page_of(self, queryset, serializer_class, product, details):
        """One page of a product's own rows (cursor-paginated like every list, newest first);
        the consultation of the product is logged with what the page showed."""
        from audit import services as audit
        from audit.choices import Action

        page = self.paginate_queryset(queryset)
        audit.consultation(Action.VIEW, obj=product, details=details(page))
        return self.get_paginated_response(serializer_class(page, many=True).data)

    # A detail route's list: no filters of the product list apply to it.
    @extend_schema(responses={200: VersionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request, pk=None):
        """The frozen versions, newest first, with their content and hash (paginated)."""
        product = self.get_object()
        return self._page_of(
            product.versions.select_related("approved_by"),
            VersionSerializer,
            product,
            lambda page: {"versions": [v.number for v in page]},
        )

    @extend_schema(responses={200: DisseminationSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def disseminations(self, request, pk=None):
        """Where the product went: recipient, legal basis, version (paginated, newest first)."""
        product = self.get_object()
        return self._page_of(
            product.disseminations.select_related("version", "disseminated_by"),
            DisseminationSerializer,
            product,
            lambda page: {"disseminations": [d.pk for d in page]},
        )

    @extend_schema(
        parameters=_EXPORT_PARAMETERS,
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/html"): OpenApiTypes.STR,
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The product as PDF or standalone HTML, marked on every page (audited)."""
        product = self.get_object()
        try:
            data, filename, mime = export_product(
                product,
                actor=request.user,
                fmt=request.query_params.get("fmt") or "pdf",
                number=request.query_params.get("version") or None,
            )
        except DjangoValidationError as exc:
            return _bad_request(exc)
        response = HttpResponse(data, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


router_entries = [("products", ProductViewSet, "product")]
