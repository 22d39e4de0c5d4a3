"""The exchange API: this installation's identity, the partner register, packages (request ->
job -> download or push) and the inbox (upload a file, or a partner's server pushes)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from audit import services as audit
from audit.choices import Action
from exchange import package as pkg
from exchange import services
from exchange.api import serializers as s
from exchange.models import (
    ExchangePackage,
    InstallationKey,
    Partner,
    ReceiveChannel,
    ReceivedPackage,
)
from ilp_platform.web.api import RestrictedViewSetMixin, RolePermissions, requires

# The largest package accepted (a package of 10,000 reports with their entities is about 10 MB).
MAX_PACKAGE_BYTES = 200 * 1024 * 1024


class _LoggedReads:
    """List and detail reads of a register without compartments, logged as consultations."""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        ids = [row["id"] for row in response.data.get("results", [])]
        audit.consultation(Action.LIST, object_type=self.queryset.model._meta.label_lower, ids=ids)
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()  # type: ignore[attr-defined]
        audit.consultation(Action.VIEW, obj=instance)
        return Response(self.get_serializer(instance).data)  # type: ignore[attr-defined]


@extend_schema(tags=["exchange"])
class IdentityViewSet(_LoggedReads, viewsets.ReadOnlyModelViewSet):
    """This installation's public key and fingerprint (the current one first, then retired
    ones), for administrators to give to partners. The private key never leaves the server."""

    queryset = InstallationKey.objects.order_by("retired_at", "-created_at", "-id")
    serializer_class = s.IdentitySerializer
    permission_classes = [permissions.IsAuthenticated, RolePermissions]


@extend_schema(tags=["exchange"])
class PartnerViewSet(_LoggedReads, viewsets.ModelViewSet):
    """Partner agencies: administrators register and change them; analysts and managers read
    them. A partner is deactivated, never deleted (packages name it)."""

    queryset = Partner.objects.select_related("intake_compartment").prefetch_related(
        "sendable_compartments"
    )
    serializer_class = s.PartnerSerializer
    permission_classes = [permissions.IsAuthenticated, RolePermissions]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _respond(self, partner, code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=partner.pk)).data, status=code
        )

    def _parse(self, partial=False) -> dict:
        serializer = s.PartnerWriteSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.PartnerWriteSerializer, responses={201: s.PartnerSerializer})
    def create(self, request, *args, **kwargs):
        data = self._parse()
        partner = services.register_partner(actor=request.user, data=data)
        return self._respond(partner, status.HTTP_201_CREATED)

    @extend_schema(request=s.PartnerWriteSerializer, responses={200: s.PartnerSerializer})
    def partial_update(self, request, *args, **kwargs):
        partner = self.get_object()
        data = self._parse(partial=True)
        services.update_partner(partner, actor=request.user, data=data)
        return self._respond(partner)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)


_FILE = OpenApiResponse(description="The sealed package (JSON envelope, docs/exchange.md).")
_SEND = [permissions.IsAuthenticated, requires("exchange.add_exchangepackage")]


@extend_schema(tags=["exchange"])
class PackageViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Packages for partners: ``POST`` a selection to queue the job that builds the package
    (follow ``status``), then ``download`` it or ``push`` it to the partner's inbox. Each
    package is a disclosure (recipient, legal basis, items) in the audit trail."""

    queryset = ExchangePackage.objects.select_related("partner", "compartment", "requested_by")
    serializer_class = s.PackageSerializer
    justification_for_writes = True

    def _respond(self, package, code=status.HTTP_200_OK):
        package = self.get_queryset().get(pk=package.pk)
        return Response(self.get_serializer(package).data, status=code)

    @extend_schema(request=s.PackageRequestSerializer, responses={201: s.PackageSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.PackageRequestSerializer)
        # The service is its own transaction (no outer one): a refused request's denied
        # disclosure event must survive the refusal. It re-checks the package's visibility.
        package = services.request_package(
            actor=request.user,
            partner=data["partner"],
            reports=data["reports"],
            legal_basis=data["legal_basis"],
            conditions=data.get("conditions") or [],
            grading_choices=data.get("grading_choices") or {},
            valid_days=data.get("valid_days"),
            conditions_acknowledged=data.get("conditions_acknowledged", False),
        )
        return self._respond(package, status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/json"): _FILE,
            409: OpenApiResponse(description="The package is not built (yet, or its job failed)."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        package = self.get_object()
        if not package.stored_name:
            raise _NotBuilt()
        data = services.download(package, actor=request.user)
        response = HttpResponse(data, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{package.package_id}.json"'
        return response

    @extend_schema(
        request=None,
        responses={
            200: s.PackageSerializer,
            409: OpenApiResponse(
                description="The package is not built, or the partner has no inbox address."
            ),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=_SEND)
    def push(self, request, pk=None):
        """Send the built package to the partner's inbox address (``POST`` of the file)."""
        package = self.get_object()
        if not package.stored_name:
            raise _NotBuilt()
        try:
            services.push(package, actor=request.user)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return self._respond(package)


class _NotBuilt(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The package is not built: wait for its job to succeed."
    default_code = "not_built"


class _PushNotAuthenticated(exceptions.NotAuthenticated):
    default_detail = (
        "A push is authenticated by its package's signature: send a sealed package as the "
        "body, or sign in to upload a file."
    )


class PushThrottle(AnonRateThrottle):
    """Pushes come with no account: each address may push ``EXCHANGE_PUSH_RATE`` packages
    (signed-in uploads are not counted)."""

    scope = "exchange_push"

    def get_rate(self):
        return settings.EXCHANGE_PUSH_RATE


class _TooLarge(exceptions.APIException):
    """413, answered like a refusal (``package`` and ``refused``); nothing is read further."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE

    def __init__(self):
        super().__init__(
            {
                "package": ["The package is larger than the largest one accepted (200 MB)."],
                "refused": "too_large",
            }
        )


def _read_body(request, limit: int) -> bytes:
    """The request's body read in chunks, up to ``limit`` bytes (``_TooLarge`` beyond): not
    ``request.body``, which stops at DATA_UPLOAD_MAX_MEMORY_SIZE, and never a parser's guess."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise _TooLarge()
    chunks, total = [], 0
    while chunk := request.read(1024 * 1024):
        total += len(chunk)
        if total > limit:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


class _UnreadBody(BaseParser):
    """A push's body left unread here (no JSON parsing of an attacker's nesting, no size cap
    of the request settings): ``create`` reads it as bytes, up to the package limit."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


_RECEIPT = PolymorphicProxySerializer(
    component_name="InboxReceipt",
    serializers=[s.ReceivedPackageSerializer, s.PushReceiptSerializer],
    resource_type_field_name=None,
)


@extend_schema(tags=["exchange"])
class InboxViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Packages received. ``POST`` takes one in: a signed-in person uploads a file (multipart
    ``file``); a partner's server pushes the package itself as the JSON body, with no account
    (the package's signature authenticates it; pushes are rate-limited per address). A refused
    package answers 400 naming the reason (``refused``: unknown_sender, bad_signature, altered,
    not_addressed, replayed, expired, malformed...), and nothing is stored; one over 200 MB
    answers 413. A push's answer holds the package id, its status and counts only."""

    queryset = ReceivedPackage.objects.select_related("partner", "compartment", "received_by")
    serializer_class = s.ReceivedPackageSerializer
    # The JSON body of a push is read as bytes by ``create`` (no parser: the package is checked
    # by read_envelope, whatever its size or depth).
    parser_classes = [MultiPartParser, _UnreadBody]
    requires_justification = False  # partners, counts and report ids: no intelligence text

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        return [PushThrottle()] if self.action == "create" else []

    @extend_schema(
        request={
            "multipart/form-data": s.InboxUploadSerializer,
            "application/json": {"type": "object"},
        },
        responses={
            201: _RECEIPT,
            400: s.RefusalSerializer,
            401: OpenApiResponse(
                description="A push whose body is no package (nothing to authenticate it by)."
            ),
            403: OpenApiResponse(description="Your role does not allow uploading packages."),
            413: OpenApiResponse(
                s.RefusalSerializer, description="The package is larger than 200 MB."
            ),
            429: OpenApiResponse(description="Too many pushes from this address."),
        },
        auth=[],
    )
    def create(self, request, *args, **kwargs):
        if "multipart/form-data" in (request.content_type or ""):
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated()
            if not request.user.has_perm("exchange.add_receivedpackage"):
                raise exceptions.PermissionDenied(_("Your role does not allow this action."))
            upload = request.FILES.get("file")
            if upload is None:
                return Response(
                    {"file": ["Choose the package file."]}, status=status.HTTP_400_BAD_REQUEST
                )
            if upload.size > MAX_PACKAGE_BYTES:
                raise _TooLarge()
            raw, channel, actor = upload.read(), ReceiveChannel.UPLOAD, request.user
        else:
            raw, channel, actor = (
                _read_body(request._request, MAX_PACKAGE_BYTES),
                ReceiveChannel.PUSH,
                None,
            )
        try:
            received = services.receive(raw, channel=channel, actor=actor)
        except pkg.Refused as exc:
            if exc.code == "malformed" and not exc.signed and not request.user.is_authenticated:
                # No package, so no signature to authenticate the push by. (A signed package
                # whose items fail the format is a registered partner's: it hears why.)
                raise _PushNotAuthenticated() from None
            return Response(
                {"package": [exc.message], "refused": exc.code}, status=status.HTTP_400_BAD_REQUEST
            )
        if channel == ReceiveChannel.PUSH:
            # The pushing server learns that its package arrived, not where it landed here.
            body = s.PushReceiptSerializer(received).data
        else:
            body = s.ReceivedPackageSerializer(received).data
        return Response(body, status=status.HTTP_201_CREATED)
