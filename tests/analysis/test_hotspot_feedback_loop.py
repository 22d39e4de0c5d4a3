"""The hotspot job's feedback-loop check: for every significant cell, the share of its incidents
found by police activity, and whether it stays significant when those incidents are left out
of the whole analysis. A cell significant only with them is flagged on the map, in the table,
in the key and in the summary."""

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from analysis.algorithms import hotspot
from analysis.algorithms.geo import LocalPlane
from intelligence.choices import IncidentOrigin

LAT, LON = 51.45, -2.59
CELL = 250.0
HALF = 4000.0  # an 8 km square: 32 by 32 whole cells centred on (LAT, LON)
# Cluster centres on the plane (metres), each the centre of a cell of the grid.
POLICE_ONLY = (-625.0, -625.0)
PUBLIC_ONLY = (625.0, 625.0)
MIXED = (625.0, -625.0)


def _box():
    plane = LocalPlane(lat0=LAT, lon0=LON)
    lat, lon = plane.to_latlon([-HALF, HALF], [-HALF, HALF])
    return [float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])]


def _in_cell(x, y, centre):
    return (np.abs(x - centre[0]) < CELL / 2) & (np.abs(y - centre[1]) < CELL / 2)


def _cluster(rng, centre, n):
    return centre[0] + rng.uniform(-50, 50, n), centre[1] + rng.uniform(-50, 50, n)


@pytest.fixture
def synthetic(world):
    """Public reports spread at random over the square (none in the three cluster cells), a
    cluster of 60 police-found incidents, one of 60 public reports, and one of 35 police-found
    and 15 public (70% police-found)."""
    from intelligence.models import CrimeType, Incident

    rng = np.random.default_rng(17)
    x, y = rng.uniform(-HALF, HALF, 3000), rng.uniform(-HALF, HALF, 3000)
    keep = ~(_in_cell(x, y, POLICE_ONLY) | _in_cell(x, y, PUBLIC_ONLY) | _in_cell(x, y, MIXED))
    parts = [(x[keep], y[keep], IncidentOrigin.PUBLIC)]
    parts.append((*_cluster(rng, POLICE_ONLY, 60), IncidentOrigin.POLICE))
    parts.append((*_cluster(rng, PUBLIC_ONLY, 60), IncidentOrigin.PUBLIC))
    parts.append((*_cluster(rng, MIXED, 35), IncidentOrigin.POLICE))
    parts.append((*_cluster(rng, MIXED, 15), IncidentOrigin.PUBLIC))
    plane = LocalPlane(lat0=LAT, lon0=LON)
    burglary = CrimeType.objects.get(slug="burglary")
    when = timezone.now() - dt.timedelta(days=10)
    rows = []
    for px, py, origin in parts:
        lat, lon = plane.to_latlon(px, py)
        for a, b in zip(lat, lon, strict=True):
            rows.append(
                Incident(
                    reference=f"INC-LOOP-{len(rows):05d}",
                    crime_type=burglary,
                    occurred_from=when,
                    latitude=float(a),
                    longitude=float(b),
                    compartment=world.general,
                    origin=origin,
                )
            )
    Incident.objects.bulk_create(rows)
    return {"police": 60 + 35, "total": len(rows)}


def _feature_at(features, centre):
    plane = LocalPlane(lat0=LAT, lon0=LON)
    lat, lon = plane.to_latlon(centre[0], centre[1])
    return min(
        features,
        key=lambda f: (
            (f["properties"]["centre_lat"] - float(lat)) ** 2
            + (f["properties"]["centre_lon"] - float(lon)) ** 2
        ),
    )["properties"]


@pytest.mark.django_db
class TestFeedbackLoopJob:
    @pytest.fixture
    def job(self, world, synthetic, job_run):
        job = job_run(world.analyst, "hotspot", {"bbox": _box(), "cell_size_m": CELL})
        assert job.status == "succeeded", job.message
        return job

    def test_a_cluster_made_only_of_police_found_records_is_flagged(self, job):
        cell = _feature_at(job.result["geojson"]["features"], POLICE_ONLY)
        assert cell["count"] == 60
        assert cell["class"] > 0
        assert cell["police_found_share"] == 1.0
        assert cell["class_without_police_found"] <= 0
        assert cell["significant_only_with_police_found"] is True
        assert (
            "significant only with police-found records: 100% found by police activity"
            in (cell["summary"])
        )

    def test_a_cluster_of_public_reports_is_not_flagged(self, job):
        cell = _feature_at(job.result["geojson"]["features"], PUBLIC_ONLY)
        assert cell["count"] == 60
        assert cell["class"] > 0
        assert cell["police_found_share"] == 0.0
        assert cell["class_without_police_found"] > 0
        assert cell["significant_only_with_police_found"] is False
        assert "0% found by police activity, significant without them too" in cell["summary"]

    def test_the_share_is_that_of_the_cells_incidents_found_by_police_activity(self, job):
        cell = _feature_at(job.result["geojson"]["features"], MIXED)
        assert cell["count"] == 50
        assert cell["police_found_share"] == 0.7
        assert cell["significant_only_with_police_found"] is True
        assert (
            "significant only with police-found records: 70% found by police activity"
            in (cell["summary"])
        )

    def test_the_summary_counts_the_flagged_cells_and_the_police_found_incidents(
        self, job, synthetic
    ):
        summary = job.result["summary"]
        flagged = [
            f
            for f in job.result["geojson"]["features"]
            if f["properties"]["significant_only_with_police_found"]
        ]
        assert summary["incidents"] == synthetic["total"]
        assert summary["incidents_found_by_police_activity"] == synthetic["police"]
        assert summary["cells_significant_only_with_police_found_records"] == len(flagged)
        assert len(flagged) >= 2
        # Only cells whose neighbourhood holds police-found incidents can rest on them.
        assert all(f["properties"]["police_found_share_neighbourhood"] for f in flagged)

    def test_the_table_has_the_flag_column_and_the_method_note_names_the_check(self, job):
        table = job.result["tables"][0]
        flag = table["columns"].index("Significant only with police-found records")
        share = table["columns"].index("Found by police activity (% of the cell's incidents)")
        flagged_rows = [row for row in table["rows"] if row[flag] == "yes"]
        assert flagged_rows
        assert any(row[share] == 70.0 for row in flagged_rows)
        assert any(row[share] == 100.0 for row in flagged_rows)
        note = {part["heading"]: part["text"] for part in job.result["method"]}
        check = note["Feedback-loop check"]
        assert "Ensign et al." in check
        assert "does not prove" in check

    def test_the_map_key_explains_the_flag(self, world, job, login):
        page = login(world.analyst).get(job.get_absolute_url())
        assert page.status_code == 200
        text = page.content.decode()
        assert "significant only with police-found records" in text
        assert 'id="hotspot-key-police-found"' in text
        flagged = job.result["summary"]["cells_significant_only_with_police_found_records"]
        assert (
            f"Feedback-loop check: {flagged} significant cells are significant only with the "
            "incidents found by police activity (95 of the incidents analysed)"
        ) in " ".join(text.split())


def test_without_police_found_records_nothing_changes_and_nothing_is_flagged():
    """The check on a grid with no police-found records gives the classes unchanged."""
    rng = np.random.default_rng(3)
    counts = rng.poisson(3, (12, 12)).astype(float)
    counts[5, 5] = 40
    cover = np.ones_like(counts)
    z, p = hotspot.gi_star(counts, cover=cover)
    classes = hotspot.fdr_significance(z, p, inside=cover > 0)
    check = hotspot.feedback_loop_check(counts, np.zeros_like(counts), classes, cover, fdr=True)
    assert (check.classes_without == classes).all()
    assert not check.flagged.any()
    assert classes[5, 5] > 0


def test_a_peak_of_police_found_records_is_flagged_with_its_neighbours():
    counts = np.full((12, 12), 3.0)
    counts[::2, ::3] = 5.0
    counts[5, 5] = 40
    police = np.zeros_like(counts)
    police[5, 5] = 37
    cover = np.ones_like(counts)
    z, p = hotspot.gi_star(counts, cover=cover)
    classes = hotspot.significance(z)
    check = hotspot.feedback_loop_check(counts, police, classes, cover, fdr=False)
    assert classes[5, 5] > 0 and check.flagged[5, 5]
    assert check.share[5, 5] == pytest.approx(37 / 40)
    assert check.neighbourhood_share[5, 5] == pytest.approx(37 / counts[4:7, 4:7].sum())
    # A cell far from the peak has no police-found incidents around it.
    assert check.neighbourhood_share[0, 11] == 0.0


@pytest.mark.django_db
def test_with_a_polygon_only_the_police_found_incidents_inside_it_are_counted(
    world, synthetic, job_run
):
    """A triangle around the public cluster: the mixed cluster lies in its bounding box but
    outside it, and its police-found incidents are left out with the rest."""
    plane = LocalPlane(lat0=LAT, lon0=LON)
    corners = [(0, -1000), (2000, 2000), (0, 2000)]
    lat, lon = plane.to_latlon([c[0] for c in corners], [c[1] for c in corners])
    square = [[float(b), float(a)] for a, b in zip(lat, lon, strict=True)]
    job = job_run(world.analyst, "hotspot", {"polygon": [square], "cell_size_m": CELL})
    assert job.status == "succeeded", job.message
    summary = job.result["summary"]
    assert summary["incidents_found_by_police_activity"] == 0
    assert summary["cells_significant_only_with_police_found_records"] == 0
    assert summary["incidents_outside_polygon"] >= 50
    cell = _feature_at(job.result["geojson"]["features"], PUBLIC_ONLY)
    assert cell["count"] == 60 and cell["police_found_share"] == 0.0


def test_a_product_map_outlines_the_flagged_cells_and_its_key_says_why():
    from analysis import presentation

    def cell(lon, flagged):
        ring = [[lon, 51.0], [lon + 0.01, 51.0], [lon + 0.01, 51.01], [lon, 51.01], [lon, 51.0]]
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"class": 2, "significant_only_with_police_found": flagged},
        }

    svg = presentation.map_svg(
        {"type": "FeatureCollection", "features": [cell(-2.6, True), cell(-2.5, False)]}
    )
    assert svg.count('stroke="#000000"') == 1 and 'stroke-dasharray="3 2"' in svg
    words = [w for _colour, w in presentation.map_key("hotspot")]
    assert "Black dashed outline: significant only with police-found records" in words
    assert presentation.label("cells_significant_only_with_police_found_records") == (
        "Cells significant only with police-found records"
    )


def test_a_priority_and_a_tasking_citing_a_flagged_analysis_carry_its_flag(
    world, product_draft, product_job, login
):
    from django.urls import reverse

    from analysis.services.products.citations import cite
    from tests.intelligence.helpers import as_user
    from tests.tasking.helpers import make_priority, make_tasking

    flagged, clean = product_job(title="Flagged"), product_job(title="Clean")
    summary = "cells_significant_only_with_police_found_records"
    flagged.result["summary"][summary] = 3
    flagged.save(update_fields=["result"])
    clean.result["summary"][summary] = 0
    clean.save(update_fields=["result"])
    product = product_draft()
    with as_user(world.analyst):
        cite(product, actor=world.analyst, kind="job", target_id=flagged.pk)
        cite(product, actor=world.analyst, kind="job", target_id=clean.pk)
    priority = make_priority(world)
    priority.evidence_products.add(product)
    tasking = make_tasking(world, priority)
    tasking.cited_products.add(product)

    client = login(world.manager)
    for url in (
        reverse("tasking:priority_detail", args=[priority.pk]),
        reverse("tasking:tasking_detail", args=[tasking.pk]),
    ):
        page = client.get(url).content.decode()
        assert page.count("data-feedback-loop-flag") == 1, url
        assert f"cites analysis {flagged.pk}, in which 3 hot spots are significant only" in page
        assert reverse("analysis:job_detail", args=[flagged.pk]) in page

    # Someone who cannot see the analysis learns nothing of it through the tasking.
    flagged.compartments.set([world.restricted])
    page = login(world.analyst2).get(reverse("tasking:tasking_detail", args=[tasking.pk]))
    assert "data-feedback-loop-flag" not in page.content.decode()
