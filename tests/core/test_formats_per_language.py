"""Dates, numbers and the week per language (docs/dates.md): each of the six languages has a
format module with its own day-first shape, its separators for numbers, and Monday as the
first day of the week; whatever lists the days of a week or cuts time into weeks follows the
language's ``FIRST_DAY_OF_WEEK``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from ilp_platform.web import dates
from ilp_platform.web.templatetags import time_axis as ta
from intelligence.imports import files
from intelligence.imports import services as import_services

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_its_own_module_starting_the_week_on_monday(language):
    module = __import__(f"ilp_platform.formats.{language}.formats", fromlist=["x"])
    assert module.FIRST_DAY_OF_WEEK == 1
    # Day first, never month first; ISO 8601 also read, in a form as in the pages' links.
    assert module.DATE_INPUT_FORMATS[0].startswith("%d")
    assert "%Y-%m-%d" in module.DATE_INPUT_FORMATS
    assert not any(shape.startswith("%m") for shape in module.DATETIME_INPUT_FORMATS)
    with translation.override(language):
        assert dates.first_weekday() == 0
        assert dates.week_order() == [0, 1, 2, 3, 4, 5, 6]
        assert dates.week_start(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)  # a Sunday


def test_a_week_starting_on_sunday_is_followed(monkeypatch):
    real = formats.get_format
    monkeypatch.setattr(
        dates,
        "get_format",
        lambda name, *a, **k: 0 if name == "FIRST_DAY_OF_WEEK" else real(name, *a, **k),
    )
    assert dates.week_order() == [6, 0, 1, 2, 3, 4, 5]
    assert dates.week_start(dt.date(2026, 12, 6)) == dt.date(2026, 12, 6)
    assert dates.week_start(dt.date(2026, 12, 5)) == dt.date(2026, 11, 29)
    # The time axis's weeks too.
    bars = ta.buckets([dt.date(2026, 12, 6)], dt.date(2026, 12, 1), dt.date(2026, 12, 14), "week")
    assert [(b.start, b.end, b.count) for b in bars] == [
        (dt.date(2026, 11, 29), dt.date(2026, 12, 5), 0),
        (dt.date(2026, 12, 6), dt.date(2026, 12, 12), 1),
        (dt.date(2026, 12, 13), dt.date(2026, 12, 19), 0),
    ]


NUMBERS = {
    "en": ("1,234,567", "1234.57", "1,234.57"),
    "fr": ("1\xa0234\xa0567", "1234,57", "1\xa0234,57"),
    "de": ("1.234.567", "1234,57", "1.234,57"),
    "it": ("1.234.567", "1234,57", "1.234,57"),
    "ru": ("1\xa0234\xa0567", "1234,57", "1\xa0234,57"),
    "es": ("1\xa0234\xa0567", "1234,57", "1\xa0234,57"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_counts_and_ratios_follow_the_language(language):
    template = Template(
        '{% load humanize %}{{ n|intcomma }}|{{ x|floatformat:2 }}|{{ x|floatformat:"2g" }}'
    )
    context = Context({"n": 1234567, "x": 1234.5678})
    with translation.override(language):
        assert template.render(context) == "|".join(NUMBERS[language])
        # Counts written into messages by Python, too.
        assert import_services._count(1234567) == NUMBERS[language][0]
        megabytes = files._megabytes(1536 * 1024 * 1024)
        assert megabytes == NUMBERS[language][2].replace("234,57", "536,0").replace(
            "234.57", "536.0"
        )


def test_the_date_box_hint_names_iso_8601_beside_the_language_shape():
    with translation.override("de"):
        html = dates.DateInput().render("day", dt.date(2026, 12, 6))
    assert 'value="06.12.2026"' in html
    assert 'placeholder="DD.MM.YYYY"' in html and "YYYY-MM-DD" in html
