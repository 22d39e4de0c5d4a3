"""Temporal and trend jobs read times of day, weekdays and weeks in the time zone of the
requester's unit, and every table, chart, summary and download names that zone."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from ilp_platform.accounts.models import Unit

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Monday 2 March 2026, 03:30 UTC is Sunday 1 March, 22:30 in New York (UTC-5 in winter).
MONDAY_0330_UTC = dt.datetime(2026, 3, 2, 3, 30, tzinfo=UTC)


@pytest.fixture
def new_york_analyst(world):
    unit = Unit.objects.create(name="Liaison desk", code="liaison", time_zone="America/New_York")
    world.analyst.unit = unit
    world.analyst.save(update_fields=["unit"])
    return world.analyst


def test_the_temporal_job_bins_in_the_units_zone_and_names_it_everywhere(
    world, new_york_analyst, job_incidents, job_run, login
):
    job_incidents(
        [
            {"lat": 51.45, "lon": -2.59, "at": MONDAY_0330_UTC},
            {  # 03:00-05:00 UTC: 22:00-24:00 Sunday in New York
                "lat": 51.45,
                "lon": -2.59,
                "at": MONDAY_0330_UTC - dt.timedelta(minutes=30),
                "to": MONDAY_0330_UTC + dt.timedelta(minutes=90),
            },
        ]
    )
    job = job_run(new_york_analyst, "temporal")
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["time_zone"] == "America/New_York"
    assert summary["peak_day"] == "Sun" and summary["peak_hour"] == "22:00 America/New_York"
    matrix = job.result["tables"][0]
    sunday = matrix["rows"][6]
    assert sunday[0] == "Sun" and sunday[1 + 22] == 1.5 and sunday[1 + 23] == 0.5
    assert all(v == 0 for v in matrix["rows"][0][1:])  # nothing on Monday, New York time
    assert "America/New_York" in matrix["title"]
    assert matrix["columns"][0] == "Day (America/New_York)"
    assert matrix["columns"][1] == "00"
    for part in job.result["tables"] + job.result["charts"]:
        assert "America/New_York" in part["title"]
    for chart in job.result["charts"]:
        assert "America/New_York" in chart["svg"]
    method = {part["heading"]: part["text"] for part in job.result["method"]}
    assert "America/New_York" in method["Parameters"]

    client = login(new_york_analyst)
    page = client.get(reverse("analysis:job_detail", args=[job.pk])).content.decode()
    assert "America/New_York" in page
    download = client.get(reverse("analysis:job_csv", args=[job.pk]) + "?table=0")
    header = next(csv.reader(io.StringIO(download.content.decode())))
    assert header[0] == "Day (America/New_York)" and header[23] == "22"


def test_a_person_without_a_unit_reads_times_in_the_platforms_zone(world, job_incidents, job_run):
    job_incidents([{"lat": 51.45, "lon": -2.59, "at": MONDAY_0330_UTC}])
    job = job_run(world.analyst2, "temporal")
    assert job.status == "succeeded", job.message
    assert job.result["summary"]["time_zone"] == "UTC"
    assert job.result["tables"][0]["rows"][0][1 + 3] == 1.0  # Monday 03:00-04:00


def test_trend_weeks_start_on_monday_in_the_units_zone(
    world, new_york_analyst, job_incidents, job_run
):
    job_incidents([{"lat": 51.45, "lon": -2.59, "at": MONDAY_0330_UTC}])
    job = job_run(new_york_analyst, "trend", {"date_from": "2026-02-23", "date_to": "2026-03-08"})
    assert job.status == "succeeded", job.message
    rows = {t["title"]: t for t in job.result["tables"]}["Incidents per period and crime type"]
    assert [row[:2] for row in rows["rows"]] == [["2026-02-23", 1], ["2026-03-02", 0]]
    assert job.result["summary"]["time_zone"] == "America/New_York"


def test_a_unit_takes_the_platforms_zone_by_default_and_refuses_an_unknown_one():
    with override_settings(TIME_ZONE="Europe/London"):
        unit = Unit.objects.create(name="Intelligence unit", code="iu")
    assert unit.time_zone == "Europe/London"
    unit.time_zone = "Europe/Atlantis"
    with pytest.raises(ValidationError) as caught:
        unit.full_clean()
    assert "time_zone" in caught.value.message_dict
    assert "Europe/Atlantis is not a time zone name" in caught.value.message_dict["time_zone"][0]


def test_the_admin_unit_form_refuses_an_unknown_zone_naming_the_field(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "Desk", "code": "desk", "level": "local", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "Mars/Olympus is not a time zone name" in response.content.decode()
    assert not Unit.objects.filter(code="desk").exists()
    response = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "Desk", "code": "desk", "level": "local", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="desk").time_zone == "Europe/Paris"
