"""Pages: the notifications list (newest first, keyset-paged; a consultation of the ids
shown), marking read, one's watches, and watching or no longer watching an entity, an operation or a
search."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.generic import View

from audit import services as audit
from ilp_platform.web.views import (
    RestrictedListView,
    RestrictedViewMixin,
    errors_to_messages,
    visible_or_404,
)
from intelligence.models import Entity
from notifications import selectors, services
from notifications.models import Notification, Watch, operation_model


class _Own:
    """A person's own notifications and watches: every signed-in person has them."""

    def get_permission_required(self):
        return ()


class NotificationListView(_Own, RestrictedListView):
    model = Notification
    template_name = "notifications/notification_list.html"
    page_size = 30

    def get_base_queryset(self):
        return selectors.notifications_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shown"] = selectors.describe(context["page"].items, self.request.user)
        context["unread"] = selectors.unread_count(self.request.user)
        return context


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


class MarkReadView(_Own, RestrictedViewMixin, View):
    model = Notification
    requires_justification = False
    http_method_names = ["post"]

    def post(self, request, pk):
        notification = selectors.notifications_for(request.user).filter(pk=pk).first()
        if notification is None:
            audit.record_denied(
                object_type=Notification._meta.label_lower,
                object_id=pk,
                reason="not found or not the person's notification",
            )
            raise Http404
        services.mark_read(notification, actor=request.user)
        return redirect(_back(request, "notifications:list"))


class MarkAllReadView(_Own, RestrictedViewMixin, View):
    model = Notification
    requires_justification = False
    http_method_names = ["post"]

    def post(self, request):
        marked = services.mark_all_read(actor=request.user)
        if marked:
            messages.success(request, _("Every notification is marked as read."))
        return redirect("notifications:list")


class WatchListView(RestrictedListView):
    model = Watch
    permission_required = ("intelligence.view_entity",)
    template_name = "notifications/watch_list.html"

    def get_base_queryset(self):
        return selectors.watches_for(self.request.user)


class _WatchTargetView(RestrictedViewMixin, View):
    """A POST about one record of ``model`` the person may see (others: a logged 404); the
    subclass's ``run`` does the work, and the person goes back where they came from."""

    requires_justification = False
    http_method_names = ["post"]

    def post(self, request, pk):
        record = visible_or_404(request.user, self.model, pk)
        try:
            self.run(request, record)
        except ValidationError as exc:
            errors_to_messages(request, exc.message_dict, {})
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect(_back(request, record.get_absolute_url()))

    def run(self, request, record):  # pragma: no cover - declared by subclasses
        raise NotImplementedError


class _EntityWatchView(_WatchTargetView):
    model = Entity
    permission_required = ("intelligence.view_entity",)


class WatchEntityView(_EntityWatchView):
    def run(self, request, entity):
        services.watch_entity(actor=request.user, entity=entity)
        messages.success(request, _("You now watch this entity."))


class UnwatchEntityView(_EntityWatchView):
    def run(self, request, entity):
        watch = selectors.watch_of(request.user, entity)
        if watch is None:
            messages.info(request, _("You were not watching this entity."))
            return
        services.unwatch(watch, actor=request.user)
        messages.success(request, _("You no longer watch this entity."))


class _OperationModel:
    """The view's ``model``: the operation model, found when first asked (see
    ``notifications.models.operation_model``)."""

    def __get__(self, obj, owner):
        return operation_model()


class _OperationWatchView(_WatchTargetView):
    model = _OperationModel()
    permission_required = ("operations.view_operation",)


class WatchOperationView(_OperationWatchView):
    def run(self, request, operation):
        services.watch_operation(actor=request.user, operation=operation)
        messages.success(request, _("You now watch this operation."))


class UnwatchOperationView(_OperationWatchView):
    def run(self, request, operation):
        watch = selectors.operation_watch_of(request.user, operation)
        if watch is None:
            messages.info(request, _("You were not watching this operation."))
            return
        services.unwatch(watch, actor=request.user)
        messages.success(request, _("You no longer watch this operation."))


class WatchSearchView(RestrictedViewMixin, View):
    """ "Watch this search" on the report search page: its words and filters become a watch;
    back to the same search."""

    model = Watch
    permission_required = ("intelligence.view_entity",)
    requires_justification = False
    http_method_names = ["post"]

    def post(self, request):
        query = request.POST.get("q") or ""
        params = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "next")}
        try:
            services.watch_search(actor=request.user, query=query, filters=params)
            messages.success(
                request, _("You now watch this search: new reports it finds will be notified.")
            )
        except ValidationError as exc:
            errors_to_messages(request, exc.message_dict, {})
        back = reverse("intelligence:search")
        if params:
            back = f"{back}?{urlencode(params)}"
        return redirect(back)


class UnwatchView(RestrictedViewMixin, View):
    """Stop one of one's own watches by its id (any kind; from the watches page). Someone
    else's watch, or one whose record is out of reach, is a logged 404."""

    model = Watch
    permission_required = ("intelligence.view_entity",)
    requires_justification = False
    http_method_names = ["post"]

    def post(self, request, pk):
        watch = visible_or_404(request.user, Watch, pk)
        services.unwatch(watch, actor=request.user)
        messages.success(request, _("You no longer watch this."))
        return redirect(_back(request, reverse("notifications:watch_list")))
