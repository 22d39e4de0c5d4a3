"""The hotspot job's defects found by an outside check, each pinned by a test that failed on
the code before the fix: the grid's edge, polygon areas, multiple testing and the density."""

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from analysis.algorithms import hotspot
from analysis.algorithms.geo import LocalPlane

LAT, LON = 51.45, -2.59
CELL = 250.0


def _incidents(lat, lon):
    when = timezone.now() - dt.timedelta(days=10)
    return [{"lat": float(a), "lon": float(b), "at": when} for a, b in zip(lat, lon, strict=True)]


def _box_of(width_m, height_m):
    """A box [min_lon, min_lat, max_lon, max_lat] of the given size around (LAT, LON)."""
    plane = LocalPlane(lat0=LAT, lon0=LON)
    lat, lon = plane.to_latlon([-width_m / 2, width_m / 2], [-height_m / 2, height_m / 2])
    return [float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])]


def _uniform_in(box, n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(box[1], box[3], n), rng.uniform(box[0], box[2], n)


@pytest.mark.django_db
class TestGridEdge:
    def test_cells_cut_by_the_edge_of_the_box_are_no_likelier_to_be_cold_spots(
        self, world, job_incidents, job_run
    ):
        """Structureless incidents in a box 10.22 cells tall: the partial row used to count as
        a full cell and came out a row of cold spots."""
        box = _box_of(17 * CELL, 10.224 * CELL)
        job_incidents(_incidents(*_uniform_in(box, 3000, seed=11)))
        job = job_run(world.analyst, "hotspot", {"bbox": box, "cell_size_m": CELL})
        assert job.status == "succeeded", job.message
        features = job.result["geojson"]["features"]
        cell_lat = CELL / 111_195
        edge, whole = [], []
        for feature in features:
            p = feature["properties"]
            near_edge = min(p["centre_lat"] - box[1], box[3] - p["centre_lat"]) < cell_lat
            cold = p.get("class_uncorrected", p["class"]) < 0
            (edge if near_edge else whole).append(cold)
        assert len(edge) >= 17
        assert sum(edge) / len(edge) <= 0.15, (sum(edge), len(edge))
        assert sum(f["properties"]["count"] for f in features) == 3000

    def test_a_cell_covers_its_share_of_the_area_and_the_shares_add_up_to_the_area(self):
        grid = hotspot.Grid.covering(0, 0, 1000, 560, 100)
        cover = grid.coverage(0, 0, 1000, 560)
        assert cover.shape == (grid.ny, grid.nx)
        assert cover.sum() * 100 * 100 == pytest.approx(1000 * 560)
        # The grid is centred: the two cut rows cover the same share, at least half a cell.
        assert cover[0, 0] == pytest.approx(cover[-1, 0]) and cover[0, 0] >= 0.5


@pytest.mark.django_db
class TestPolygonArea:
    def test_every_incident_inside_the_polygon_is_counted_and_those_outside_are_named(
        self, world, job_incidents, job_run
    ):
        """A diamond cuts many cells whose centre lies outside it: their incidents used to
        vanish while the summary still counted every incident of the bounding box."""
        plane = LocalPlane(lat0=LAT, lon0=LON)
        half = 1100.0
        corners = [(0, -half), (half, 0), (0, half), (-half, 0)]
        lats, lons = plane.to_latlon([c[0] for c in corners], [c[1] for c in corners])
        diamond = [[float(lo), float(la)] for la, lo in zip(lats, lons, strict=True)]
        rng = np.random.default_rng(5)
        x, y = rng.uniform(-half, half, 1500), rng.uniform(-half, half, 1500)
        inside = np.abs(x) + np.abs(y) < half * 0.999
        outside = np.abs(x) + np.abs(y) > half * 1.001
        keep = inside | outside
        lat, lon = plane.to_latlon(x[keep], y[keep])
        job_incidents(_incidents(lat, lon))
        n_in, n_out = int(inside.sum()), int(outside.sum())

        job = job_run(world.analyst, "hotspot", {"polygon": [diamond], "cell_size_m": CELL})

        assert job.status == "succeeded", job.message
        summary = job.result["summary"]
        assert summary["incidents"] == n_in
        assert summary["incidents_outside_polygon"] == n_out
        features = job.result["geojson"]["features"]
        assert sum(f["properties"]["count"] for f in features) == n_in
        assert summary["cells_with_incidents"] == sum(
            1 for f in features if f["properties"]["count"] > 0
        )
        # Cut cells are drawn clipped to the polygon: no corner lies outside the diamond.
        for feature in features:
            for lon_, lat_ in feature["geometry"]["coordinates"][0]:
                px, py = plane.to_xy(lat_, lon_)
                assert abs(float(px)) + abs(float(py)) <= half * 1.0001


@pytest.mark.django_db
class TestMultipleTesting:
    def test_structureless_cells_are_not_significant_after_the_false_discovery_rate(self):
        counts = np.random.default_rng(2).poisson(6.0, size=(41, 40)).astype(float)
        z, p = hotspot.gi_star(counts)
        uncorrected = hotspot.significance(z)
        corrected = hotspot.fdr_significance(z, p)
        assert (uncorrected != 0).sum() > 40  # about 5% of 1,640 cells, by chance alone
        assert (corrected != 0).sum() == 0

    def test_benjamini_hochberg_keeps_the_p_values_below_the_step_up_line(self):
        p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
        # 0.042 <= 5 * 0.05 / 10 = 0.025? no; 0.008 <= 2 * 0.005 = 0.01: the second is the last.
        assert hotspot.fdr_threshold(p, 0.05) == 0.008
        assert hotspot.fdr_threshold(p, 0.0001) == 0.0
        z = np.array([3.3, -2.65, 2.06, 2.04, 2.03, 1.88, 1.79, 1.27, 1.25, 1.24])
        assert hotspot.fdr_significance(z, p).tolist() == [2, -1, 0, 0, 0, 0, 0, 0, 0, 0]

    def test_the_job_corrects_by_default_records_it_and_shows_the_uncorrected_class(
        self, world, job_incidents, job_run
    ):
        box = _box_of(20 * CELL, 20 * CELL)
        job_incidents(_incidents(*_uniform_in(box, 2400, seed=3)))
        lat, lon = _uniform_in(_box_of(CELL, CELL), 150, seed=4)
        job_incidents(_incidents(lat, lon))
        job = job_run(world.analyst, "hotspot", {"bbox": box, "cell_size_m": CELL})
        assert job.status == "succeeded", job.message
        assert job.params["fdr"] is True and job.result["params"]["fdr"] is True
        props = [f["properties"] for f in job.result["geojson"]["features"]]
        assert all("class_uncorrected" in p for p in props)
        assert max(p["class"] for p in props) == 3  # the planted cluster survives
        assert sum(p["class"] != 0 for p in props) <= sum(
            p["class_uncorrected"] != 0 for p in props
        )
        summary = job.result["summary"]
        assert summary["hot_spots_95"] <= summary["hot_spots_95_uncorrected"]
        method = " ".join(part["text"] for part in job.result["method"])
        assert "Benjamini" in method

        plain = job_run(world.analyst, "hotspot", {"bbox": box, "cell_size_m": CELL, "fdr": False})
        assert plain.params["fdr"] is False
        for feature in plain.result["geojson"]["features"]:
            p = feature["properties"]
            assert p["class"] == p["class_uncorrected"]
        assert "no correction" in " ".join(p["text"] for p in plain.result["method"]).lower()


@pytest.mark.django_db
class TestKernelDensity:
    @pytest.mark.parametrize("kernel", [hotspot.QUARTIC, hotspot.GAUSSIAN])
    def test_the_surface_is_estimated_from_the_points_themselves(
        self, world, job_incidents, job_run, kernel
    ):
        """A tight cluster off the cell centres: counted at the centres the peak came out low."""
        box = _box_of(12 * CELL, 12 * CELL)
        plane = LocalPlane(lat0=(box[1] + box[3]) / 2, lon0=(box[0] + box[2]) / 2)
        rng = np.random.default_rng(8)
        x = np.concatenate([rng.normal(210, 60, 300), rng.uniform(-1400, 1400, 300)])
        y = np.concatenate([rng.normal(-170, 60, 300), rng.uniform(-1400, 1400, 300)])
        lat, lon = plane.to_latlon(x, y)
        job_incidents(_incidents(lat, lon))
        bandwidth = 400.0
        job = job_run(
            world.analyst,
            "hotspot",
            {"bbox": box, "cell_size_m": CELL, "bandwidth_m": bandwidth, "kernel": kernel},
        )
        assert job.status == "succeeded", job.message
        props = [f["properties"] for f in job.result["geojson"]["features"]]
        cx, cy = plane.to_xy([p["centre_lat"] for p in props], [p["centre_lon"] for p in props])
        exact = np.array(
            [
                hotspot.kernel(np.hypot(x - a, y - b), bandwidth, kernel).sum() * 1e6
                for a, b in zip(cx, cy, strict=True)
            ]
        )
        found = np.array([p["density_km2"] for p in props])
        peak = exact.max()
        assert found.max() == pytest.approx(peak, rel=0.01)
        busy = exact > 0.1 * peak
        np.testing.assert_allclose(found[busy], exact[busy], rtol=0.01)
        method = " ".join(part["text"] for part in job.result["method"])
        assert "bandwidth h = 400 m" in method and "per square kilometre" in method
        assert ("zero beyond" if kernel == hotspot.QUARTIC else "cut at 4h") in method


@pytest.mark.django_db
def test_incidents_all_at_one_place_make_one_whole_cell(world, job_incidents, job_run):
    job_incidents(_incidents([LAT] * 7, [LON] * 7))
    job = job_run(world.analyst, "hotspot", {"cell_size_m": CELL})
    assert job.status == "succeeded", job.message
    (feature,) = job.result["geojson"]["features"]
    assert feature["properties"]["count"] == 7 and feature["properties"]["covered_share"] == 1
    assert job.result["summary"]["cells"] == 1
