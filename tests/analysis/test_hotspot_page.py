"""The hotspot job's page reads without a statistician beside it: the method note, a key for
the colours, the area's outline and cells named by their centre, in words."""

import json
import re

import pytest

from tests.analysis.test_jobs_services import CENTRE, _scatter


@pytest.fixture
def polygon_job(world, job_incidents, job_run):
    job_incidents(_scatter(150))
    job_incidents(_scatter(80, seed=2, centre=(51.46, -2.58), spread=0.0015))
    lat, lon = CENTRE
    triangle = [[lon - 0.02, lat - 0.02], [lon + 0.03, lat - 0.02], [lon, lat + 0.02]]
    return job_run(world.analyst, "hotspot", {"polygon": [triangle], "cell_size_m": 250})


@pytest.mark.django_db
def test_the_page_shows_the_method_note_the_key_and_the_polygon_outline(world, login, polygon_job):
    assert polygon_job.status == "succeeded", polygon_job.message
    body = login(world.analyst).get(polygon_job.get_absolute_url()).content.decode()
    assert "Method note" in body and "Benjamini-Hochberg" in body
    assert "Limits" in body and "no edge correction" in body
    assert 'id="hotspot-map-key"' in body and "hot spot 99.9%" in body
    assert "after the false-discovery-rate correction" in body
    outline = re.search(
        r'<script id="job-area-polygon" type="application/json">(.*?)</script>', body
    )
    assert json.loads(outline.group(1)) == polygon_job.params["polygon"]
    # No tile server in tests: the page says the map draws lines of latitude and longitude.
    assert "grid of latitude and longitude lines" in body
    assert "style=" not in body.split('id="hotspot-map-key"')[1].split("</div>")[0]


@pytest.mark.django_db
def test_cells_are_named_by_their_centre_and_described_in_words(world, polygon_job):
    result = polygon_job.result
    first = result["tables"][0]["rows"][0]
    assert re.fullmatch(r"-?\d+\.\d{3}, -?\d+\.\d{3}", first[0])
    props = result["geojson"]["features"][0]["properties"]
    assert props["summary"].startswith(f"Gi* z {props['gi_z']:.1f}, hot spot at ")
    assert "after FDR" in props["summary"] and "incidents" in props["summary"]
    assert "per km²" in props["summary"]
    assert "29-36" not in result["charts"][0]["svg"]
    assert re.search(r">-?\d+\.\d{3}, -?\d+\.\d{3}<", result["charts"][0]["svg"])
    assert result["summary"]["incidents"] + result["summary"]["incidents_outside_polygon"] == 230


def test_a_cell_whose_uncorrected_class_differs_says_so_in_its_popup():
    from analysis.kinds.hotspot import _Words

    words = _Words(fdr=True)
    assert words(0, 1, 2.1, 9, 120.0, 1.0) == (
        "Gi* z 2.1, not significant, 9 incidents, 120 per km² (uncorrected: hot spot at 95%)"
    )
    assert words(3, 3, 4.14, 21, 320.4, 0.5) == (
        "Gi* z 4.1, hot spot at 99.9% after FDR, 21 incidents, 320 per km² "
        "(50% of the cell inside the area)"
    )
    assert _Words(fdr=False)(-2, -2, -2.7, 0, 0.0, 1.0).startswith(
        "Gi* z -2.7, cold spot at 99%, uncorrected, 0 incidents"
    )
    # One incident is one incident, not "1 incidents".
    assert words(1, 1, 2.0, 1, 16.0, 1.0) == (
        "Gi* z 2.0, hot spot at 95% after FDR, 1 incident, 16 per km²"
    )
