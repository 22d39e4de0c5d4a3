import datetime as dt
import re

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime

from analysis import presentation

register = template.Library()

_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


@register.filter
def summary_words(summary):
    """A result summary's figures as (words, value) pairs."""
    return presentation.summary_items(summary if isinstance(summary, dict) else {})


@register.filter
def local_date(value):
    """A frozen snapshot's ISO 8601 date or time (a date of birth, a job's ``date_from``, a
    table's day) in the language's one shape, as pages show dates (SHORT_DATE_FORMAT, or
    SHORT_DATETIME_FORMAT in the current time zone); any other value passes unchanged."""
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return formats.date_format(dt.date.fromisoformat(text), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    if _ISO_DATETIME.match(text):
        parsed = parse_datetime(text)
        if parsed is None:
            return value
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, dt.UTC)
        return formats.date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT")
    return value
