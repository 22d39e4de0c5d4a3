from datetime import UTC

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (a column's sort link), or an empty string."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def as_datetime(value):
    """An ISO 8601 text (a frozen snapshot's time) as a datetime, in the current time zone, so
    ``|date:"SHORT_DATETIME_FORMAT"`` shows it in the language's one shape; other values pass."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, UTC)
        return timezone.localtime(parsed)
    return value


@register.filter
def is_list(value) -> bool:
    """Whether ``value`` is a list or tuple (a snapshot's list shown joined, not as code)."""
    return isinstance(value, list | tuple)
