"""Trend jobs judge the latest period against the requested end date, per day it covers, in
the requester's unit's time zone."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _daily(job_incidents, first: dt.date, days: int, per_day: int = 2):
    """``per_day`` burglaries at noon every day from ``first``: a flat series."""
    start = timezone.make_aware(dt.datetime.combine(first, dt.time(12, 0)))
    job_incidents(
        [
            {"lat": 51.45, "lon": -2.59, "at": start + dt.timedelta(days=d)}
            for d in range(days)
            for _k in range(per_day)
        ]
    )


def test_a_cut_off_in_the_middle_of_a_past_week_is_partial_and_no_false_fall(
    world, job_incidents, job_run
):
    """Four whole weeks and the Monday to Wednesday of a fifth, long past: the fifth week is
    partial against date_to (not against today), and three days at two a day is no fall."""
    _daily(job_incidents, dt.date(2026, 3, 2), 31)  # Mon 2 March .. Wed 1 April
    job = job_run(
        world.analyst,
        "trend",
        {"date_from": "2026-03-02", "date_to": "2026-04-01", "min_count": 1},
    )
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["latest_period"] == "2026-03-30"
    assert summary["latest_period_partial"] is True
    assert summary["latest_period_days"] == 3
    assert summary["latest_per_day"] == 2.0 and summary["baseline_per_day"] == 2.0
    assert summary["biggest_faller"] is None and summary["falling_types"] == 0
    tables = {t["title"]: t for t in job.result["tables"]}
    assert tables["Significant falls"]["rows"] == []
    last = tables["Incidents per period and crime type"]["rows"][-1]
    assert last == ["2026-03-30", 6, 6, 3, 2.0, "no"]
    method = {part["heading"]: part["text"] for part in job.result["method"]}
    assert "cut short by the end of the selection (3 days)" in method["Method"]


def test_a_whole_past_week_ending_on_date_to_is_not_partial(world, job_incidents, job_run):
    _daily(job_incidents, dt.date(2026, 3, 2), 28)
    job = job_run(world.analyst, "trend", {"date_from": "2026-03-02", "date_to": "2026-03-29"})
    assert job.status == "succeeded", job.message
    assert job.result["summary"]["latest_period_partial"] is False
    assert job.result["summary"]["latest_period_days"] == 7


def test_months_are_compared_per_day(world, job_incidents, job_run):
    """One a day through February and March: March's 31 are no rise on February's 28."""
    _daily(job_incidents, dt.date(2026, 2, 1), 59, per_day=1)
    job = job_run(
        world.analyst,
        "trend",
        {"date_from": "2026-02-01", "date_to": "2026-03-31", "period": "month", "min_count": 1},
    )
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["latest_total"] == 31 and summary["latest_per_day"] == 1.0
    assert summary["biggest_riser"] is None and summary["rising_types"] == 0
    rows = {t["title"]: t for t in job.result["tables"]}["Incidents per period and crime type"]
    assert [row[3:5] for row in rows["rows"]] == [[28, 1.0], [31, 1.0]]


def test_a_date_to_still_to_come_counts_the_latest_period_up_to_today(
    world, job_incidents, job_run
):
    """Nothing can have happened after today: a month asked for to its end, today being in it,
    covers the days up to today, so it shows no false fall."""
    today = timezone.localdate()
    start = today.replace(day=1) - dt.timedelta(days=60)
    _daily(job_incidents, start, (today - start).days, per_day=1)  # up to yesterday
    end_of_month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    job = job_run(
        world.analyst,
        "trend",
        {
            "date_from": start.isoformat(),
            "date_to": (end_of_month - dt.timedelta(days=1)).isoformat(),
            "period": "month",
        },
    )
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["latest_period"] == today.strftime("%Y-%m")
    assert summary["latest_period_days"] == today.day
    assert summary["latest_period_partial"] is (today != end_of_month - dt.timedelta(days=1))
    assert summary["biggest_faller"] is None
