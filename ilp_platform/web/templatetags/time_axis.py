"""A time axis over a timeline page (issue 16, "Timelines ... with zoom").

``{% time_axis timeline %}`` draws, from the items already on the page (each with an aware
``at``), an SVG bar chart of how many fall in each day, week, month or year of the period shown,
each bar a link to the same page narrowed to that bucket; with "Zoom out" (the period doubled
around its middle) and "Whole period" links. The period comes from the page's own ``since`` and
``until`` fields (both timeline forms name them so; ``until`` is the last day shown) or, where
one is blank, from the items. Nothing is queried here: the axis counts what the page lists.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ilp_platform.web.dates import week_start

register = template.Library()

SINCE, UNTIL = "since", "until"
# At most this many bars: past it, the next longer bucket is taken.
MAX_BARS = 60
# The drawing's own units (the SVG scales to the width of its box).
WIDTH, HEIGHT = 480, 120
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 10, 24
LABELS = 4
# Parameters that are not the page's filters (the export's), dropped from the axis's links.
NOT_FILTERS = ("format", "page", "cursor")


@dataclass(frozen=True)
class Bucket:
    start: dt.date
    end: dt.date  # the last day of the bucket
    count: int = 0


def parse_day(value: str | None) -> dt.date | None:
    """A date in one of the language's input shapes, or None."""
    if not value:
        return None
    for shape in formats.get_format("DATE_INPUT_FORMATS"):
        try:
            return dt.datetime.strptime(value.strip(), str(shape)).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def format_day(day: dt.date) -> str:
    """A date for the axis's links: ISO 8601, which every language's form reads, so a link
    passed from a reader in one language to one in another still opens the same period."""
    return day.isoformat()


def choose_unit(start: dt.date, end: dt.date) -> str:
    """The shortest of day, week, month or year giving at most ``MAX_BARS`` bars."""
    for unit in ("day", "week", "month"):
        if len(bucket_starts(start, end, unit)) <= MAX_BARS:
            return unit
    return "year"


def _unit_start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return week_start(day)
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _unit_end(start: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(days=6)
    if unit == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if unit == "year":
        return start.replace(month=12, day=31)
    return start


def bucket_starts(start: dt.date, end: dt.date, unit: str) -> list[dt.date]:
    """The first day of each bucket meeting ``start`` .. ``end`` (both included)."""
    starts = []
    day = _unit_start(start, unit)
    while day <= end:
        starts.append(day)
        day = _unit_end(day, unit) + dt.timedelta(days=1)
    return starts


def buckets(days: Iterable[dt.date], start: dt.date, end: dt.date, unit: str) -> list[Bucket]:
    """The buckets of ``start`` .. ``end`` with how many of ``days`` fall in each."""
    counts = Counter(_unit_start(day, unit) for day in days if start <= day <= end)
    return [
        Bucket(s, _unit_end(s, unit), counts.get(s, 0)) for s in bucket_starts(start, end, unit)
    ]


def zoom_out(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period twice as long, around the same middle."""
    length = (end - start).days + 1
    return start - dt.timedelta(days=length // 2), end + dt.timedelta(days=length - length // 2)


def period_link(query: QueryDict, since: dt.date | None, until: dt.date | None) -> str:
    """``?`` + the page's query with its period set (or dropped where None)."""
    params = query.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    for name, day in ((SINCE, since), (UNTIL, until)):
        if day is None:
            params.pop(name, None)
        else:
            params[name] = format_day(day)
    return "?" + params.urlencode()


def _bucket_label(bucket: Bucket, unit: str) -> str:
    if unit == "day":
        return formats.date_format(bucket.start, "j F Y")
    if unit == "week":
        return _("week of %(day)s") % {"day": formats.date_format(bucket.start, "j F Y")}
    if unit == "month":
        return formats.date_format(bucket.start, "F Y")
    return str(bucket.start.year)


def _tick_label(day: dt.date, unit: str) -> str:
    if unit in ("day", "week"):
        return formats.date_format(day, "j M")
    if unit == "month":
        return formats.date_format(day, "M Y")
    return str(day.year)


def _num(value: float) -> str:
    # Written here, not by the template, so a language's decimal comma never reaches the SVG.
    return f"{value:.1f}"


def build_axis(items: Iterable[Mapping[str, Any]], query: QueryDict) -> dict[str, Any]:
    """Everything ``core/_time_axis.html`` draws, for these items and this query."""
    days = [timezone.localtime(item["at"]).date() for item in items]
    asked_since, asked_until = parse_day(query.get(SINCE)), parse_day(query.get(UNTIL))
    start = asked_since or (min(days) if days else None)
    end = asked_until or (max(days) if days else None)
    axis: dict[str, Any] = {"bars": [], "ticks": [], "zoomed": bool(asked_since or asked_until)}
    if axis["zoomed"]:
        axis["whole_url"] = period_link(query, None, None)
    if start is None or end is None:
        start = end = start or end
    if start is None or end is None:
        return axis
    if end < start:
        end = start
    wider = zoom_out(start, end)
    axis["zoom_out_url"] = period_link(query, *wider)
    if not days:
        return axis
    unit = choose_unit(start, end)
    drawn = buckets(days, start, end, unit)
    shown = sum(b.count for b in drawn)
    tallest = max(b.count for b in drawn) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(drawn)
    gap = min(2.0, step * 0.2)
    for i, bucket in enumerate(drawn):
        if not bucket.count:
            continue
        h = max(plot_h * bucket.count / tallest, 1.0)
        axis["bars"].append(
            {
                "count": bucket.count,
                "since": bucket.start,
                "until": bucket.end,
                "x": _num(LEFT + i * step + gap / 2),
                "y": _num(TOP + plot_h - h),
                "width": _num(step - gap),
                "height": _num(h),
                "url": period_link(query, bucket.start, bucket.end),
                "title": ngettext("%(n)d item, %(when)s", "%(n)d items, %(when)s", bucket.count)
                % {"n": bucket.count, "when": _bucket_label(bucket, unit)},
            }
        )
    every = max(1, -(-len(drawn) // LABELS))
    for i in range(0, len(drawn), every):
        axis["ticks"].append(
            {"x": _num(LEFT + i * step), "label": _tick_label(drawn[i].start, unit)}
        )
    units = {"day": _("by day"), "week": _("by week"), "month": _("by month"), "year": _("by year")}
    axis.update(
        unit=unit,
        total=shown,
        tallest=tallest,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        base=TOP + plot_h,
        top=TOP,
        tick_y=HEIGHT - 6,
        label=ngettext(
            "%(n)d item from %(since)s to %(until)s, %(unit)s",
            "%(n)d items from %(since)s to %(until)s, %(unit)s",
            shown,
        )
        % {
            "n": shown,
            "since": formats.date_format(start, "j F Y"),
            "until": formats.date_format(end, "j F Y"),
            "unit": units[unit],
        },
    )
    return axis


@register.inclusion_tag("core/_time_axis.html", takes_context=True)
def time_axis(context, items) -> dict[str, Any]:
    """The time axis of a timeline page's ``items`` (see the module's docstring)."""
    request = context.get("request")
    query = request.GET if request is not None else QueryDict()
    return {"axis": build_axis(items or [], query)}
