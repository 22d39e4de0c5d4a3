"""The deadline of a data-subject request: a configurable rule applied to the date received.

``settings.SUBJECT_REQUEST_DEADLINE`` (environment variable of the same name) holds the rule
as "<number> month(s)" or "<number> day(s)"; the default, "1 month", is the period most
national laws transposing the Directive set (a month from receipt, e.g. UK DPA 2018 s.54). A
month from 31 January is the last day of February. A rule that cannot be read stops start-up
with a sentence naming the variable (``SubjectRequestsConfig.ready``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import ngettext

DEFAULT_RULE = "1 month"
_RULE = re.compile(r"^\s*(\d{1,3})\s*(day|days|month|months)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    count: int
    unit: str  # "day" or "month"

    def __str__(self) -> str:
        if self.unit == "day":
            return ngettext("%(n)s day", "%(n)s days", self.count) % {"n": self.count}
        return ngettext("%(n)s month", "%(n)s months", self.count) % {"n": self.count}

    def apply(self, received: date) -> date:
        if self.unit == "day":
            return received + timedelta(days=self.count)
        month = received.month - 1 + self.count
        year, month = received.year + month // 12, month % 12 + 1
        day = min(received.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)


def parse(text: str) -> Rule:
    found = _RULE.match(text or "")
    if not found or int(found.group(1)) < 1:
        raise ImproperlyConfigured(
            f"SUBJECT_REQUEST_DEADLINE={text!r} is not a deadline rule: write a number and "
            "'days' or 'months', for example '1 month' or '30 days'."
        )
    unit = found.group(2).lower().rstrip("s")
    return Rule(int(found.group(1)), unit)


def rule() -> Rule:
    return parse(getattr(settings, "SUBJECT_REQUEST_DEADLINE", DEFAULT_RULE))


def deadline_for(received: date) -> date:
    return rule().apply(received)
