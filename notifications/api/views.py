"""API: one's watches (list, create, delete) and notifications (list, mark read).

Watching an entity (or an operation) you may not see answers exactly as for a missing one (400
on the ``entity`` or ``operation`` field); someone else's watch, or a notification that is not
yours or whose record you may no longer see, is a 404.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification, Watch


@extend_schema(tags=["notifications"])
class WatchViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The entities, operations and searches you watch: a new report naming a watched entity,
    a record gathered into a watched operation or its closing or reopening, and a new report a
    watched search finds, notify you (when you may see what is named)."""

    queryset = Watch.objects.select_related("entity", "operation")
    serializer_class = s.WatchSerializer
    permission_classes = [permissions.IsAuthenticated, requires("intelligence.view_entity")]

    @extend_schema(request=s.WatchWriteSerializer, responses={201: s.WatchSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.WatchWriteSerializer)
        if "query" in data:
            watch = services.watch_search(
                actor=request.user, query=data["query"], filters=data.get("filters") or {}
            )
        elif "operation" in data:
            watch = services.watch_operation(actor=request.user, operation=data["operation"])
        else:
            watch = services.watch_entity(actor=request.user, entity=data["entity"])
        watch = self.get_queryset().get(pk=watch.pk)
        return Response(self.get_serializer(watch).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        watch = self.get_object()
        services.unwatch(watch, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["notifications"])
class NotificationViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """Your notifications, newest first; each says what happened to a record you may see.

    Listing is a consultation (the ids shown); marking read is an ``update`` event."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        items = list(page if page is not None else self.get_queryset())
        shown = selectors.describe(items, request.user)
        audit.consultation(
            Action.LIST,
            object_type=Notification._meta.label_lower,
            ids=[item.notification.pk for item in shown],
        )
        data = self.get_serializer(shown, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        shown = selectors.describe([self.get_object()], request.user)
        if not shown:
            raise exceptions.NotFound(_("Not found."))
        audit.consultation(
            Action.VIEW,
            object_type=Notification._meta.label_lower,
            object_id=shown[0].notification.pk,
        )
        return Response(self.get_serializer(shown[0]).data)

    @extend_schema(request=None, responses={200: s.MarkedSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = self.get_object()
        marked = services.mark_read(notification, actor=request.user)
        return Response({"marked": marked})

    @extend_schema(request=None, responses={200: s.MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification read."""
        return Response({"marked": services.mark_all_read(actor=request.user)})
