"""The temporal job lists the days of the week in the order of the language's week
(``FIRST_DAY_OF_WEEK``): Monday first in all six languages; a language starting on Sunday
would put Sunday's row, and its weights, first."""

import datetime as dt

import pytest
from django.utils import formats, translation

from ilp_platform.web import dates

pytestmark = pytest.mark.django_db

SUNDAY_2230_UTC = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)


def _rows(job):
    return [row[0] for row in job.result["tables"][1]["rows"]]


def test_days_follow_the_languages_week(world, job_incidents, job_run, monkeypatch):
    job_incidents([{"lat": 51.45, "lon": -2.59, "at": SUNDAY_2230_UTC}])
    job = job_run(world.analyst2, "temporal")
    assert job.status == "succeeded", job.message
    assert _rows(job) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert job.result["tables"][0]["rows"][6][1 + 22] == 1.0

    real = formats.get_format
    monkeypatch.setattr(
        dates,
        "get_format",
        lambda name, *a, **k: 0 if name == "FIRST_DAY_OF_WEEK" else real(name, *a, **k),
    )
    job = job_run(world.analyst2, "temporal")
    assert job.status == "succeeded", job.message
    assert _rows(job) == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    matrix = job.result["tables"][0]["rows"]
    assert matrix[0][0] == "Sun" and matrix[0][1 + 22] == 1.0
    assert all(v == 0 for row in matrix[1:] for v in row[1:])
    assert job.result["summary"]["peak_day"] == "Sun"


def test_a_job_runs_in_the_language_of_the_person_who_asked(
    world, job_incidents, job_run, monkeypatch
):
    from analysis.kinds import temporal

    seen = []
    real = temporal.week_order

    def spy():
        seen.append(translation.get_language())
        return real()

    monkeypatch.setattr(temporal, "week_order", spy)
    job_incidents([{"lat": 51.45, "lon": -2.59, "at": SUNDAY_2230_UTC}])
    world.analyst2.language = "fr"
    world.analyst2.save(update_fields=["language"])
    job = job_run(world.analyst2, "temporal")
    assert job.status == "succeeded", job.message
    assert seen == ["fr"]
    with translation.override("fr"):
        assert _rows(job)[0] == translation.gettext("Mon")
