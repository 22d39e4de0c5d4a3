"""Analysis job pages: request from the browser, follow progress, read and download results."""

import csv
import io
import json

import pytest
from django.urls import reverse

from analysis.models import AnalysisJob
from audit.models import AuditEvent
from tests.analysis.test_jobs_services import _scatter


@pytest.fixture
def hotspot_job(world, job_incidents, job_run):
    job_incidents(_scatter(150))
    job_incidents(_scatter(60, seed=2, centre=(51.46, -2.58), spread=0.0015))
    job_incidents([{**p, "crime_type": "robbery"} for p in _scatter(5, seed=9)])
    return job_run(world.analyst, "hotspot", {"cell_size_m": 250}, title="Easton <b>hotspots</b>")


@pytest.mark.django_db
class TestRequesting:
    def test_the_kind_chooser_offers_every_kind(self, world, login):
        client = login(world.analyst)
        page = client.get(reverse("analysis:job_create"))
        assert page.status_code == 200
        for kind in ("hotspot", "temporal", "trend", "near_repeat", "network"):
            assert f"?kind={kind}" in page.content.decode()

    def test_each_kind_has_a_form_with_its_parameters_explained_and_labelled(self, world, login):
        client = login(world.analyst)
        expected = {
            "hotspot": ["cell_size_m", "bandwidth_m", "bbox", "area-map"],
            "temporal": ["bbox", "date_from"],
            "trend": ["period", "top_n"],
            "near_repeat": ["distance_bands", "time_bands", "iterations", "seed"],
            "network": ["path_from", "path_to", "entities", "cooccurrence"],
        }
        for kind, names in expected.items():
            page = client.get(reverse("analysis:job_create") + f"?kind={kind}")
            body = page.content.decode()
            assert page.status_code == 200, kind
            for name in names:
                assert name in body, (kind, name)
            assert "<script>" not in body.replace("<script src=", "")
        network = client.get(reverse("analysis:job_create") + "?kind=network").content.decode()
        assert "area-map" not in network

    def test_a_valid_form_queues_the_job_and_redirects_to_its_page(
        self, world, login, job_incidents, django_capture_on_commit_callbacks
    ):
        job_incidents(_scatter(40))
        client = login(world.analyst)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("analysis:job_create") + "?kind=hotspot",
                {
                    "title": "Test",
                    "cell_size_m": "300",
                    "bbox": "-2.62, 51.43, -2.56, 51.48",
                    "crime_types": ["burglary"],
                    "compartments": ["general"],
                },
            )
        job = AnalysisJob.objects.get()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
        job.refresh_from_db()
        assert job.status == "succeeded", job.message
        assert job.params["bbox"] == [-2.62, 51.43, -2.56, 51.48]
        assert job.justification == "OP-TEST page test"

    def test_a_bad_parameter_shows_beside_its_field_and_nothing_is_saved(self, world, login):
        client = login(world.analyst)
        response = client.post(
            reverse("analysis:job_create") + "?kind=near_repeat",
            {"distance_bands": "300, 100", "iterations": "5"},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert "distance_bands" in form.errors and "iterations" in form.errors
        assert not AnalysisJob.objects.exists()

    def test_a_manager_may_read_jobs_but_not_run_them(self, world, login):
        client = login(world.manager)
        assert client.get(reverse("analysis:job_list")).status_code == 200
        assert client.get(reverse("analysis:job_create") + "?kind=hotspot").status_code == 403


@pytest.mark.django_db
class TestFollowingAndReading:
    def test_the_list_shows_status_and_progress_and_logs_the_ids(self, world, login, hotspot_job):
        client = login(world.analyst)
        page = client.get(reverse("analysis:job_list"))
        body = page.content.decode()
        assert page.status_code == 200
        assert "Succeeded" in body and 'value="100"' in body
        assert "Easton &lt;b&gt;hotspots&lt;/b&gt;" in body
        listed = AuditEvent.objects.filter(actor=world.analyst, action="list").latest("id")
        assert str(hotspot_job.pk) in listed.details["ids"]

    def test_the_progress_partial_polls_while_running_and_asks_for_a_reload_when_done(
        self, world, login, hotspot_job
    ):
        client = login(world.analyst)
        AnalysisJob.objects.filter(pk=hotspot_job.pk).update(status="running", progress=42)
        views_before = AuditEvent.objects.filter(action="view").count()
        partial = client.get(reverse("analysis:job_progress", args=[hotspot_job.pk]))
        body = partial.content.decode()
        assert 'hx-trigger="every 1s"' in body and 'value="42"' in body
        # Polling is marked so it does not count as the person's activity.
        assert """hx-headers='{"X-ILP-Poll": "1"}'""" in body
        assert "HX-Refresh" not in partial.headers
        AnalysisJob.objects.filter(pk=hotspot_job.pk).update(status="succeeded", progress=100)
        done = client.get(
            reverse("analysis:job_progress", args=[hotspot_job.pk]), HTTP_HX_REQUEST="true"
        )
        assert done.headers["HX-Refresh"] == "true"
        assert "hx-trigger" not in done.content.decode()
        assert AuditEvent.objects.filter(action="view").count() == views_before

    def test_the_result_page_shows_summary_table_chart_and_map_and_logs_a_view(
        self, world, login, hotspot_job
    ):
        client = login(world.analyst)
        page = client.get(hotspot_job.get_absolute_url())
        body = page.content.decode()
        assert page.status_code == 200
        assert "<svg" in body and 'id="job-map"' in body and 'id="job-geojson"' in body
        assert "Cells ranked by Gi* z-score" in body
        assert "leaflet.js" in body and "analysis-jobs.js" in body
        assert "onclick" not in body and "<b>hotspots" not in body
        viewed = AuditEvent.objects.filter(actor=world.analyst, action="view").latest("id")
        assert viewed.object_id == str(hotspot_job.pk)
        assert viewed.justification == "OP-TEST page test"

    def test_no_tiles_are_requested_unless_a_tile_server_is_configured(
        self, world, login, hotspot_job, settings
    ):
        client = login(world.analyst)
        body = client.get(hotspot_job.get_absolute_url()).content.decode()
        assert 'data-tile-url=""' in body
        settings.ILP = {**settings.ILP, "MAP_TILE_URL": "https://tiles.local/{z}/{x}/{y}.png"}
        body = client.get(hotspot_job.get_absolute_url()).content.decode()
        assert 'data-tile-url="https://tiles.local/{z}/{x}/{y}.png"' in body

    def test_a_job_that_read_a_compartment_the_reader_lacks_is_a_404_everywhere(
        self, world, login, job_incidents, job_run
    ):
        job_incidents(_scatter(30, compartment=world.restricted))
        job = job_run(world.analyst, "temporal")
        client = login(world.analyst2)
        for name in ("job_detail", "job_progress", "job_csv", "job_geojson"):
            assert client.get(reverse(f"analysis:{name}", args=[job.pk])).status_code == 404
        assert AuditEvent.objects.filter(
            actor=world.analyst2, action="denied", object_id=str(job.pk)
        ).exists()


@pytest.mark.django_db
class TestDownloads:
    def test_the_csv_holds_every_map_cell_and_is_logged_as_an_export(
        self, world, login, hotspot_job
    ):
        client = login(world.analyst)
        response = client.get(
            reverse("analysis:job_csv", args=[hotspot_job.pk]) + "?table=features"
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:2] == ["cell", "count"]
        assert sum(int(r[1]) for r in rows[1:]) == 215
        export = AuditEvent.objects.filter(actor=world.analyst, action="export").latest("id")
        assert export.object_id == str(hotspot_job.pk)
        assert export.details["count"] == len(rows) - 1

    def test_the_geojson_download_is_a_feature_collection(self, world, login, hotspot_job):
        client = login(world.analyst)
        response = client.get(reverse("analysis:job_geojson", args=[hotspot_job.pk]))
        collection = json.loads(response.content)
        assert collection["type"] == "FeatureCollection"
        assert collection["features"][0]["geometry"]["type"] == "Polygon"
        assert AuditEvent.objects.filter(action="export", details__format="geojson").exists()

    def test_csv_cells_that_look_like_formulas_are_neutralised_but_numbers_stay_numbers(
        self, world, login, hotspot_job
    ):
        job = hotspot_job
        job.result["tables"].append(
            {"title": "t", "columns": ["=cmd", "n"], "rows": [["@SUM(A1)", -2.5], ["+1", 3]]}
        )
        AnalysisJob.objects.filter(pk=job.pk).update(result=job.result)
        client = login(world.analyst)
        index = len(job.result["tables"]) - 1
        text = client.get(
            reverse("analysis:job_csv", args=[job.pk]) + f"?table={index}"
        ).content.decode()
        rows = list(csv.reader(io.StringIO(text)))
        assert rows == [["'=cmd", "n"], ["'@SUM(A1)", "-2.5"], ["'+1", "3"]]

    def test_there_is_no_download_of_an_unfinished_job(self, world, login, hotspot_job):
        AnalysisJob.objects.filter(pk=hotspot_job.pk).update(status="running")
        client = login(world.analyst)
        assert client.get(reverse("analysis:job_csv", args=[hotspot_job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_home_page_lists_my_recent_jobs(world, login, hotspot_job):
    client = login(world.analyst)
    body = client.get(reverse("core:home")).content.decode()
    assert "My analysis jobs" in body
    assert hotspot_job.get_absolute_url() in body


@pytest.mark.django_db
def test_polling_after_the_justification_lapsed_sends_the_page_to_the_justification_form(
    world, login, hotspot_job
):
    client = login(world.analyst, justification="")
    url = reverse("analysis:job_progress", args=[hotspot_job.pk])
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 204
    assert polled["HX-Redirect"].startswith(reverse("core:justification"))
    assert str(hotspot_job.pk) in polled["HX-Redirect"]
    plain = client.get(url)
    assert plain.status_code == 302 and plain["Location"].startswith(reverse("core:justification"))


@pytest.mark.django_db
def test_a_near_repeat_maps_popups_say_in_the_readers_language_what_a_marker_means(
    world, login, job_incidents, job_run
):
    points = _scatter(40, seed=5)
    job_incidents(points + [{**p, "lat": p["lat"] + 0.0001} for p in points[:10]])
    job = job_run(
        world.analyst,
        "near_repeat",
        {"distance_bands": [100, 200], "time_bands": [7, 14], "iterations": 19},
    )
    assert job.status == "succeeded", job.message
    client = login(world.analyst)
    body = client.get(job.get_absolute_url()).content.decode()
    # The words static/js/analysis-jobs.js puts in a marker's popup, instead of the raw
    # property ("near repeat: true").
    assert 'data-near-label="Near repeat: another incident within the closest distance band' in body
    assert 'data-alone-label="No other incident within the closest distance band' in body
    assert 'data-position-label="Position"' in body
    world.analyst.language = "fr"
    world.analyst.save(update_fields=["language"])
    body = client.get(job.get_absolute_url()).content.decode()
    assert 'data-near-label="Répétition proche' in body and 'data-position-label="Position"' in body
