"""Periods of the aggregate figures: whole months only.

The figures count by month, and a withheld count must stay withheld: were a period allowed to
start or end on any day, two queries a day apart (since=D, since=D+1) would differ by the
records of one day, and could single out one incident or report. So both bounds of a period
fall on the first day of a month (``until`` is not included), and anything else is refused,
naming the field.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

NOT_A_MONTH_START = _(
    "Give the first day of a month (YYYY-MM-01): the figures are counted by whole months."
)
# Twelve whole months before the current one, and the current month so far.
DEFAULT_MONTHS = 12


def is_month_start(day: date | None) -> bool:
    return day is None or day.day == 1


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def default_period(today: date) -> tuple[date, date]:
    """From the first day of the month twelve months back to the first day of next month."""
    return add_months(today, -DEFAULT_MONTHS), add_months(today, 1)
