"""Each job kind end to end on the database: the figures match what was planted."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from intelligence.services.entities import create_link, link_entity_to_report
from tests.analysis.test_jobs_services import _scatter
from tests.intelligence.helpers import as_user, make_entity, make_report


@pytest.mark.django_db
class TestTemporal:
    def test_windows_spread_their_weight_and_the_matrix_sums_to_the_incident_count(
        self, world, job_incidents, job_run
    ):
        monday = timezone.make_aware(dt.datetime(2026, 3, 2, 0, 0))  # a Monday, UTC
        job_incidents(
            [
                {"lat": 51.45, "lon": -2.59, "at": monday + dt.timedelta(hours=14, minutes=5)},
                {
                    "lat": 51.45,
                    "lon": -2.59,
                    "at": monday + dt.timedelta(hours=22),
                    "to": monday + dt.timedelta(hours=26),
                },
            ]
        )
        job = job_run(world.analyst, "temporal")
        assert job.status == "succeeded", job.message
        matrix = job.result["tables"][0]["rows"]
        assert matrix[0][0] == "Mon"
        assert matrix[0][1 + 14] == 1.0
        assert matrix[0][1 + 22] == 0.25 and matrix[0][1 + 23] == 0.25
        assert matrix[1][1 + 0] == 0.25 and matrix[1][1 + 1] == 0.25
        assert sum(v for row in matrix for v in row[1:]) == pytest.approx(2.0)
        assert job.result["summary"]["time_windows"] == 1
        assert job.result["geojson"] is None and job.result["network"] is None


@pytest.mark.django_db
class TestTrend:
    def test_weekly_counts_and_the_biggest_riser(self, world, job_incidents, job_run):
        monday = timezone.make_aware(dt.datetime(2026, 6, 1, 12, 0))
        points = []
        for week, (burglary, robbery) in enumerate([(3, 4), (2, 4), (8, 1)]):
            at = monday + dt.timedelta(weeks=week, days=2)
            points += [{"lat": 51.45, "lon": -2.59, "at": at}] * burglary
            points += [{"lat": 51.45, "lon": -2.59, "at": at, "crime_type": "robbery"}] * robbery
        job_incidents(points)
        job = job_run(world.analyst, "trend", {"date_from": "2026-06-01", "date_to": "2026-06-21"})
        assert job.status == "succeeded", job.message
        tables = {t["title"]: t for t in job.result["tables"]}
        counts = tables["Incidents per period and crime type"]
        assert [row[0] for row in counts["rows"]] == ["2026-06-01", "2026-06-08", "2026-06-15"]
        assert counts["rows"][-1][1:] == [8, 1, 9, 7, pytest.approx(9 / 7, abs=1e-3), "yes"]
        # Burglary: 8 in the latest week against 5 in the two before (exact test p = 0.040);
        # robbery: 9 incidents in all, fewer than the 10 needed to test.
        risers = tables["Significant rises"]["rows"]
        assert risers[0][:6] == ["Burglary", 5, 0.357, 8, 1.143, 3.2]
        assert risers[0][7] == pytest.approx(0.0398, abs=1e-4) and risers[0][9] == "rise"
        assert tables["Significant falls"]["rows"] == []
        every = {
            row[0]: row
            for row in tables["Latest period against the baseline, every crime type"]["rows"]
        }
        assert every["Robbery"][9] == "too few to test"
        assert job.result["summary"]["biggest_riser"] == "Burglary"


@pytest.mark.django_db
class TestNearRepeat:
    def test_planted_near_repeats_are_found_significant_in_the_closest_cell(
        self, world, job_incidents, job_run
    ):
        rng = random.Random(4)
        base = timezone.now() - dt.timedelta(days=200)
        points = []
        for _ in range(150):
            lat, lon = 51.45 + rng.uniform(-0.03, 0.03), -2.59 + rng.uniform(-0.045, 0.045)
            at = base + dt.timedelta(days=rng.uniform(0, 180))
            points.append({"lat": lat, "lon": lon, "at": at})
        for origin in points[:40]:
            points.append(
                {
                    "lat": origin["lat"] + rng.uniform(-0.0004, 0.0004),
                    "lon": origin["lon"] + rng.uniform(-0.0004, 0.0004),
                    "at": origin["at"] + dt.timedelta(days=rng.uniform(0.5, 5)),
                }
            )
        job_incidents(points)
        job = job_run(
            world.analyst,
            "near_repeat",
            {"distance_bands": [100, 200, 400], "time_bands": [7, 14, 28], "iterations": 49},
        )
        assert job.status == "succeeded", job.message
        summary = job.result["summary"]
        assert summary["closest_cell_ratio"] > 3
        assert summary["closest_cell_p"] <= 0.05
        assert summary["events_with_near_repeat"] >= 40
        observed = job.result["tables"][2]
        assert sum(v for row in observed["rows"] for v in row[1:]) == 190 * 189 // 2
        assert job.result["geojson"]["features"][0]["geometry"]["type"] == "Point"


@pytest.fixture
def job_graph(world):
    """A small gang: a-b-c chain with d hanging off c, e linked only in restricted."""
    names = ["Ann Able", "Bob Baker", "Cat Cole", "Dan Dale", "Eve Exe"]
    people = {n.split()[0].lower(): make_entity(world, name=n) for n in names[:4]}
    people["eve"] = make_entity(world, compartment=world.restricted, name=names[4])
    with as_user(world.analyst):
        create_link(
            actor=world.analyst,
            from_entity=people["ann"],
            to_entity=people["bob"],
            kind="associate",
            strength="confirmed",
        )
        create_link(
            actor=world.analyst,
            from_entity=people["cat"],
            to_entity=people["dan"],
            kind="family",
            strength="unconfirmed",
        )
        create_link(
            actor=world.analyst,
            from_entity=people["dan"],
            to_entity=people["eve"],
            kind="associate",
            strength="confirmed",
            compartment=world.restricted,
        )
    # Bob and Cat are named together in two reports: a co-occurrence tie of weight 2.
    for k in range(2):
        report = make_report(world, text=f"Bob and Cat seen together {k}.")
        with as_user(world.analyst):
            for name in ("bob", "cat"):
                link_entity_to_report(
                    report, people[name], actor=world.analyst, subject_category="suspect"
                )
    return people


@pytest.mark.django_db
class TestNetwork:
    def test_links_and_shared_reports_make_the_graph_and_the_path_runs_through_them(
        self, world, job_graph, job_run
    ):
        people = job_graph
        job = job_run(
            world.analyst2,
            "network",
            {"path_from": people["ann"].pk, "path_to": people["dan"].pk},
        )
        assert job.status == "succeeded", job.message
        network = job.result["network"]
        ids = {node["id"] for node in network["nodes"]}
        assert ids == {people[n].pk for n in ("ann", "bob", "cat", "dan")}  # no Eve
        bob_cat = next(
            e
            for e in network["edges"]
            if {e["from"], e["to"]} == {people["bob"].pk, people["cat"].pk}
        )
        assert bob_cat["reports"] == 2 and bob_cat["links"] == 0 and bob_cat["weight"] == 2
        summary = job.result["summary"]
        assert summary["path"] == [people[n].pk for n in ("ann", "bob", "cat", "dan")]
        assert summary["path_length"] == 3
        ranked = job.result["tables"][1]
        assert ranked["title"] == "Entities ranked by betweenness"
        assert {ranked["rows"][0][2], ranked["rows"][1][2]} == {"Bob Baker", "Cat Cole"}
        assert "Eve" not in str(job.result)

    def test_the_analyst_holding_restricted_sees_eve_and_a_job_only_they_may_see(
        self, world, job_graph, job_run
    ):
        from analysis.models import AnalysisJob

        job = job_run(world.analyst, "network", {"entities": [job_graph["eve"].pk], "hops": 1})
        assert job.status == "succeeded", job.message
        names = {node["label"] for node in job.result["network"]["nodes"]}
        assert names == {"Eve Exe", "Dan Dale"}
        assert not AnalysisJob.objects.visible_to(world.analyst2).filter(pk=job.pk).exists()

    def test_an_entity_the_user_may_not_read_is_refused_as_unknown(self, world, job_graph):
        from django.core.exceptions import ValidationError

        from analysis.services.jobs import request_job

        with pytest.raises(ValidationError) as caught:
            request_job(
                actor=world.analyst2, kind="network", params={"entities": [job_graph["eve"].pk]}
            )
        assert "entities" in caught.value.message_dict


CONTRACT = {"summary", "tables", "charts", "geojson", "network", "method", "params"}


@pytest.mark.django_db
def test_every_kind_keeps_the_result_contract(world, job_incidents, job_graph, job_run):
    job_incidents(_scatter(80))
    for kind in ("hotspot", "temporal", "trend", "near_repeat", "network"):
        job = job_run(world.analyst, kind, {"iterations": 9} if kind == "near_repeat" else {})
        assert job.status == "succeeded", (kind, job.message)
        assert set(job.result) == CONTRACT
        assert job.result["charts"] and job.result["tables"]
        for chart in job.result["charts"]:
            assert chart["svg"].startswith("<svg") and "<script" not in chart["svg"]


@pytest.mark.django_db
def test_a_drawn_polygon_limits_temporal_and_trend_jobs_to_the_incidents_inside(
    world, job_incidents, job_run
):
    at = timezone.make_aware(dt.datetime(2026, 5, 6, 9, 30))  # a Wednesday
    inside = [{"lat": 51.450, "lon": -2.590, "at": at}] * 3
    window = [{"lat": 51.451, "lon": -2.591, "at": at, "to": at + dt.timedelta(hours=2)}]
    outside = [{"lat": 51.480, "lon": -2.590, "at": at}] * 5
    job_incidents(inside + window + outside)
    square = [[-2.60, 51.44], [-2.58, 51.44], [-2.58, 51.46], [-2.60, 51.46], [-2.60, 51.44]]
    temporal = job_run(
        world.analyst, "temporal", {"polygon": {"type": "Polygon", "coordinates": [square]}}
    )
    assert temporal.status == "succeeded", temporal.message
    assert temporal.result["summary"]["incidents"] == 4
    wednesday = temporal.result["tables"][0]["rows"][2]
    assert wednesday[1 + 9] == 3.25 and wednesday[1 + 10] == 0.5 and wednesday[1 + 11] == 0.25
    trend = job_run(
        world.analyst, "trend", {"polygon": [square], "period": "month", "date_to": "2026-05-31"}
    )
    assert trend.status == "succeeded", trend.message
    counts = {t["title"]: t for t in trend.result["tables"]}["Incidents per period and crime type"]
    assert counts["rows"] == [["2026-05", 4, 4, 31, 0.129, "yes"]]
