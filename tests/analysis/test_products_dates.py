"""A product's PDF and standalone HTML print every date the way the pages do in the active
language: the shared formats (SHORT_DATE_FORMAT, SHORT_DATETIME_FORMAT) of
``django.utils.formats``, whatever shape each language gives them (docs/dates.md), and never a
frozen snapshot's ISO 8601 text: the approval and the cited job's finish, a cited person's date
of birth, a job's date parameters and the days in its tables."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from analysis.models import AnalysisJob
from analysis.services.products.citations import cite
from analysis.services.products.export import export_product
from analysis.services.products.workflow import approve_product, submit_product
from tests.analysis.pdf_pages import page_texts
from tests.intelligence.helpers import as_user, make_entity, make_report

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# Day and month told apart (7 March, not 3 July), as are the job's days.
BORN = dt.date(1984, 3, 7)
DATE_FROM, DATE_TO, BUSIEST = dt.date(2026, 2, 3), dt.date(2026, 11, 28), dt.date(2026, 5, 9)
ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
# Any date written with figures: day, month and year in some order and separator.
NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")


def _visible(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


@pytest.fixture
def product(world, product_draft):
    """An approved product citing a report, a person with a date of birth and a trend job
    whose parameters and table hold days."""
    person = make_entity(world, world.general, name="Alan Smith", date_of_birth=BORN)
    job = AnalysisJob.objects.create(
        kind="trend",
        title="Burglary by week",
        status="succeeded",
        progress=100,
        params={"date_from": DATE_FROM.isoformat(), "date_to": DATE_TO.isoformat()},
        result={
            "summary": {},
            "tables": [
                {
                    "title": "Reports per week",
                    "columns": ["week", "count"],
                    "rows": [[BUSIEST.isoformat(), 9]],
                }
            ],
            "params": {"date_from": DATE_FROM.isoformat(), "date_to": DATE_TO.isoformat()},
        },
        requested_by=world.analyst,
        finished_at=timezone.now(),
    )
    job.compartments.set([world.general])
    product = product_draft()
    with as_user(world.analyst):
        cite(product, actor=world.analyst, kind="report", target_id=make_report(world).pk)
        cite(product, actor=world.analyst, kind="entity", target_id=person.pk)
        cite(product, actor=world.analyst, kind="job", target_id=job.pk)
        submit_product(product, actor=world.analyst)
    with as_user(world.manager):
        approve_product(product, actor=world.manager)
    product.refresh_from_db()
    return product, job


@pytest.mark.parametrize("language", LANGUAGES)
def test_exports_print_dates_in_the_languages_shape(world, product, product_pdf_layouts, language):
    product, job = product
    approved = timezone.localtime(product.versions.get(number=1).approved_at)
    finished = timezone.localtime(job.finished_at)
    with translation.override(language), as_user(world.manager):
        expected = [
            formats.date_format(BORN, "SHORT_DATE_FORMAT"),
            formats.date_format(DATE_FROM, "SHORT_DATE_FORMAT"),
            formats.date_format(DATE_TO, "SHORT_DATE_FORMAT"),
            formats.date_format(BUSIEST, "SHORT_DATE_FORMAT"),
            formats.date_format(approved, "SHORT_DATETIME_FORMAT"),
            formats.date_format(finished, "SHORT_DATETIME_FORMAT"),
        ]
        html, _name, _mime = export_product(product, actor=world.manager, fmt="html")
        export_product(product, actor=world.manager, fmt="pdf")
        today = formats.date_format(timezone.localtime(), "SHORT_DATE_FORMAT")
    pdf = " ".join(page_texts(product_pdf_layouts[-1]))
    texts = {"html": _visible(html.decode()), "pdf": re.sub(r"\s+", " ", pdf)}
    # The figures-only dates the language may print: those of the dates above, and the export's
    # own day.
    allowed = {token for text in [*expected, today] for token in NUMERIC_DATE.findall(text)}
    for name, text in texts.items():
        for shown in expected:
            assert shown in text, (language, name, shown, text[:800])
        assert not ISO_DATE.findall(text), (language, name, ISO_DATE.findall(text))
        strays = set(NUMERIC_DATE.findall(text)) - allowed
        assert not strays, (language, name, strays)
