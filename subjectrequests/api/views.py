"""The data-subject requests API: register, read, search, decide, letter. The officer's only
(the oversight role: ``SubjectRequest.objects.visible_to`` finds none for anyone else, and the
services refuse them); the request is the purpose, so no justification header is asked; every
read and write is audited under the request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.api import RestrictedViewSetMixin, RolePermissions, requires
from subjectrequests import letters, services
from subjectrequests.api import serializers as s
from subjectrequests.models import SubjectRequest

_CONFLICT = OpenApiResponse(description="The request has been answered (the reason is given).")


_BASE: list[Any] = [permissions.IsAuthenticated, RolePermissions]
_CHANGE: list[Any] = [
    permissions.IsAuthenticated,
    requires("subjectrequests.change_subjectrequest"),
]


@extend_schema(tags=["subject-requests"])
class SubjectRequestViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Data-subject requests (LED Arts. 14-17): the register, and each request's subject
    search across every compartment, decisions per hit and response letter."""

    queryset = SubjectRequest.objects.select_related("registered_by")
    serializer_class = s.SubjectRequestSerializer
    permission_classes = _BASE
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "kind"]
    requires_justification = False
    writes_may_conflict = True
    # JSON bodies only: a form's empty box would pass for "no date of birth".
    parser_classes = [JSONParser]

    def get_queryset(self):
        return SubjectRequest.objects.visible_to(self.request.user).select_related("registered_by")

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        with services.acting_for(instance):
            audit.consultation(Action.VIEW, obj=instance)
        return Response(self.get_serializer(instance).data)

    @extend_schema(
        request=s.SubjectRequestWriteSerializer, responses={201: s.SubjectRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = self.parse(s.SubjectRequestWriteSerializer)
        created = self.write(lambda: services.register_request(actor=request.user, data=data))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.HitListSerializer, 409: _CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def search(self, request, pk=None):
        """Search every compartment for the person; the hits are kept on the request."""
        subject_request = self.get_object()

        def search():
            services.run_search(subject_request, actor=request.user)
            return subject_request

        self.write(search)
        found = subject_request.hits.order_by("kind", "id")
        return Response({"results": s.SubjectHitSerializer(found, many=True).data})

    @extend_schema(methods=["GET"], request=None, responses={200: s.HitListSerializer})
    @extend_schema(
        methods=["POST"],
        request=s.HitDecisionWriteSerializer,
        responses={200: s.SubjectHitSerializer, 409: _CONFLICT},
    )
    @action(detail=True, methods=["get", "post"])
    def decisions(self, request, pk=None):
        """GET: the hits and their decisions. POST: decide on one hit (disclose; restrict with
        an Art. 15(1) ground and a review date; or not the person's data)."""
        subject_request = self.get_object()
        if request.method == "GET":
            hits = list(subject_request.hits.order_by("kind", "id"))
            with services.acting_for(subject_request):
                audit.consultation(
                    Action.VIEW,
                    obj=subject_request,
                    count=len(hits),
                    details={"hits": [f"{h.kind}:{h.entity_id or h.report_id}" for h in hits]},
                )
            return Response({"results": s.SubjectHitSerializer(hits, many=True).data})
        if not request.user.has_perm("subjectrequests.change_subjectrequest"):
            self.permission_denied(request, message=_("Your role does not allow this action."))
        data = self.parse(s.HitDecisionWriteSerializer)
        holder: dict = {}

        def decide():
            holder["hit"] = services.decide(subject_request, actor=request.user, **data)
            return subject_request

        self.write(decide)
        return Response(s.SubjectHitSerializer(holder["hit"]).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def letter(self, request, pk=None):
        """The response letter as PDF (its production is audited)."""
        from django.http import HttpResponse

        body, name = letters.letter_pdf(self.get_object())
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
