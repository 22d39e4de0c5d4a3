from django import template

from notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in person's unread notifications whose records they may see (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.unread_count(user)


@register.inclusion_tag("notifications/_watch_button.html", takes_context=True)
def watch_button(context, entity):
    request = context.get("request")
    user = getattr(request, "user", None)
    watching = bool(user and user.is_authenticated and selectors.watch_of(user, entity))
    return {"entity": entity, "watching": watching, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("notifications/_watch_operation_button.html", takes_context=True)
def watch_operation_button(context, operation):
    request = context.get("request")
    user = getattr(request, "user", None)
    watching = bool(
        user and user.is_authenticated and selectors.operation_watch_of(user, operation)
    )
    return {"operation": operation, "watching": watching, "csrf_token": context.get("csrf_token")}
