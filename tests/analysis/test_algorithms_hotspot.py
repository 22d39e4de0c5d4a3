"""Hotspot algorithms against their references: esda's Gi*, a point-by-point kernel density."""

import numpy as np
import pytest
from esda import G_Local
from libpysal.weights import lat2W

from analysis.algorithms import hotspot
from analysis.algorithms.geo import LocalPlane, clip_ring, points_in_polygon, polygon_cell_cover


def _fixed_grid() -> np.ndarray:
    rng = np.random.default_rng(7)
    counts = rng.poisson(2.0, size=(9, 12)).astype(float)
    counts[3:6, 4:7] += 12  # a planted cluster
    return counts


def test_gi_star_z_scores_match_esda_g_local_on_a_fixed_grid():
    counts = _fixed_grid()
    z, p = hotspot.gi_star(counts)
    # lat2W numbers cells row by row, as numpy's ravel does.
    w = lat2W(counts.shape[0], counts.shape[1], rook=False)
    reference = G_Local(counts.ravel(), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z.ravel(), reference.Zs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(p.ravel(), 2 * reference.p_norm, rtol=1e-9, atol=1e-12)


def test_the_planted_cluster_is_a_significant_hot_spot_and_the_far_corner_is_not():
    classes = hotspot.significance(hotspot.gi_star(_fixed_grid())[0])
    assert classes[4, 5] == 3
    assert classes[0, 11] <= 0


def test_significance_classes_follow_the_two_sided_critical_values():
    z = np.array([0.0, 1.95, 1.97, 2.6, 3.3, -2.0, -3.4])
    assert hotspot.significance(z).tolist() == [0, 0, 1, 2, 3, -1, -3]


def test_a_grid_without_variation_has_no_hot_spots():
    z, p = hotspot.gi_star(np.full((4, 4), 3.0))
    assert (z == 0).all() and (p == 1).all()


def test_grid_counts_put_each_point_in_its_cell_and_keep_the_total():
    grid = hotspot.Grid.covering(0, 0, 999, 499, 100)
    assert (grid.nx, grid.ny) == (10, 5)
    counts = hotspot.grid_counts(grid, [5, 150, 150, 999], [5, 20, 30, 499])
    assert counts.sum() == 4
    assert counts[0, 0] == 1 and counts[0, 1] == 2 and counts[4, 9] == 1


@pytest.mark.parametrize("kind", [hotspot.QUARTIC, hotspot.GAUSSIAN])
def test_kernel_density_equals_the_point_by_point_sum_for_events_on_cell_centres(kind):
    cell, bandwidth = 50.0, 180.0
    grid = hotspot.Grid.covering(0, 0, 1499, 999, cell)
    rng = np.random.default_rng(3)
    ix, iy = rng.integers(0, grid.nx, 40), rng.integers(0, grid.ny, 40)
    px, py = (ix + 0.5) * cell, (iy + 0.5) * cell
    counts = hotspot.grid_counts(grid, px, py)
    density = hotspot.kernel_density(counts, cell, bandwidth, kind)
    cx, cy = np.meshgrid((np.arange(grid.nx) + 0.5) * cell, (np.arange(grid.ny) + 0.5) * cell)
    exact = sum(
        hotspot.kernel(np.hypot(cx - x, cy - y), bandwidth, kind)
        for x, y in zip(px, py, strict=True)
    )
    np.testing.assert_allclose(density, exact * 1e6, rtol=1e-9, atol=1e-9)


def test_the_quartic_kernel_integrates_to_one():
    step = 2.0
    xs = np.arange(-300, 300, step) + step / 2
    gx, gy = np.meshgrid(xs, xs)
    total = hotspot.kernel(np.hypot(gx, gy), 250.0).sum() * step * step
    assert total == pytest.approx(1.0, rel=1e-3)


def test_the_local_plane_measures_a_kilometre_as_a_kilometre():
    plane = LocalPlane(lat0=51.45, lon0=-2.59)
    x, y = plane.to_xy([51.45, 51.45 + 1 / 111.195], [-2.59, -2.59])
    assert y[1] - y[0] == pytest.approx(1000, rel=1e-3)
    lat, lon = plane.to_latlon(x, y)
    np.testing.assert_allclose(lat, [51.45, 51.45 + 1 / 111.195])


def test_points_in_a_polygon_with_a_hole():
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    lon = np.array([1, 5, 9, 11, -1, 5])
    lat = np.array([1, 5, 9, 5, 5, 2])
    assert points_in_polygon(lon, lat, [outer, hole]).tolist() == [
        True,
        False,
        True,
        False,
        False,
        True,
    ]


def test_gi_star_inside_a_mask_ignores_the_cells_outside():
    counts = _fixed_grid()
    mask = np.zeros(counts.shape, dtype=bool)
    mask[1:8, 2:10] = True
    z_masked, p_masked = hotspot.gi_star(np.where(mask, counts, 99.0), mask)
    z_inner, _p = hotspot.gi_star(counts[1:8, 2:10])
    np.testing.assert_allclose(z_masked[1:8, 2:10], z_inner)
    assert (z_masked[~mask] == 0).all() and (p_masked[~mask] == 1).all()


def test_gi_star_with_every_cell_whole_is_the_classic_statistic():
    counts = _fixed_grid()
    z, p = hotspot.gi_star(counts)
    z_cover, p_cover = hotspot.gi_star(counts, cover=np.ones(counts.shape))
    np.testing.assert_allclose(z_cover, z, rtol=1e-12)
    np.testing.assert_allclose(p_cover, p, rtol=1e-12)


def test_the_share_of_each_cell_inside_a_polygon_with_a_hole_is_its_exact_area():
    shapely = pytest.importorskip("shapely")
    rng = np.random.default_rng(0)
    angle = np.sort(rng.uniform(0, 2 * np.pi, 60))
    radius = rng.uniform(300, 1000, 60)
    outer = np.c_[1000 + radius * np.cos(angle), 900 + radius * np.sin(angle)]
    outer = np.r_[outer, outer[:1]]
    # The hole turns the same way as the outer ring: the share must not depend on it.
    hole = np.array([[900, 800], [1100, 800], [1100, 1000], [900, 1000], [900, 800]])
    x0, y0, cell, nx, ny = -10.0, -20.0, 97.0, 23, 21
    cover = polygon_cell_cover([outer, hole], x0, y0, cell, nx, ny)
    shape = shapely.Polygon(outer, [hole])
    for row in range(ny):
        for col in range(nx):
            box = shapely.box(
                x0 + col * cell, y0 + row * cell, x0 + (col + 1) * cell, y0 + (row + 1) * cell
            )
            assert cover[row, col] == pytest.approx(
                shape.intersection(box).area / cell**2, abs=1e-9
            )


def test_a_ring_clipped_to_a_box_keeps_only_what_lies_inside():
    shapely = pytest.importorskip("shapely")
    diamond = [[0, -10], [10, 0], [0, 10], [-10, 0], [0, -10]]
    clipped = clip_ring(diamond, 2, 2, 12, 12)
    assert shapely.Polygon(clipped).area == pytest.approx(
        shapely.Polygon(diamond).intersection(shapely.box(2, 2, 12, 12)).area
    )
    assert clip_ring(diamond, 20, 20, 30, 30) == []


@pytest.mark.parametrize("kind", [hotspot.QUARTIC, hotspot.GAUSSIAN])
@pytest.mark.parametrize("pairs", [10**9, 1])  # exact, then binned
def test_kernel_density_from_points_matches_the_point_by_point_sum(kind, pairs, monkeypatch):
    monkeypatch.setattr(hotspot, "EXACT_PAIRS", pairs)
    grid = hotspot.Grid.covering(0, 0, 3000, 2000, 100.0)
    rng = np.random.default_rng(9)
    x = np.clip(np.r_[rng.normal(1200, 90, 400), rng.uniform(0, 3000, 400)], 0, 3000)
    y = np.clip(np.r_[rng.normal(900, 90, 400), rng.uniform(0, 2000, 400)], 0, 2000)
    density, estimator = hotspot.kernel_density_points(grid, x, y, 300.0, kind)
    assert estimator == ("exact" if pairs > 1 else "binned")
    cx, cy = grid.centres()
    exact = sum(
        hotspot.kernel(np.hypot(cx - a, cy - b), 300.0, kind) for a, b in zip(x, y, strict=True)
    )
    exact = exact * 1e6
    busy = exact > 0.1 * exact.max()
    np.testing.assert_allclose(density[busy], exact[busy], rtol=1e-9 if pairs > 1 else 0.01)
    assert density.max() == pytest.approx(exact.max(), rel=1e-9 if pairs > 1 else 0.005)


def test_cells_cut_by_a_polygon_are_significant_as_often_as_whole_cells_under_no_structure():
    """Uniform incidents in an irregular polygon: at 95% uncorrected, about 5% of the cut cells
    and of the whole cells come out significant, and hardly any after the correction."""
    rng = np.random.default_rng(0)
    angle = np.sort(rng.uniform(0, 2 * np.pi, 40))
    radius = rng.uniform(2000, 4000, 40)
    ring = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    ring = np.r_[ring, ring[:1]]
    (xmin, ymin), (xmax, ymax) = ring.min(0), ring.max(0)
    grid = hotspot.Grid.covering(xmin, ymin, xmax, ymax, 250.0)
    cover = polygon_cell_cover([ring], grid.x0, grid.y0, 250.0, grid.nx, grid.ny)
    inside = cover > 0
    cut = inside & (cover < 0.999)
    rates = {"cut": [], "whole": [], "corrected": []}
    for _run in range(60):
        points = rng.uniform([xmin, ymin], [xmax, ymax], (12_000, 2))
        points = points[points_in_polygon(points[:, 0], points[:, 1], [ring])]
        z, p = hotspot.gi_star(hotspot.grid_counts(grid, points[:, 0], points[:, 1]), cover=cover)
        significant = hotspot.significance(z) != 0
        rates["cut"].append(significant[cut].mean())
        rates["whole"].append(significant[inside & ~cut].mean())
        rates["corrected"].append((hotspot.fdr_significance(z, p, inside) != 0).sum())
    assert cut.sum() > 100
    assert 0.03 < np.mean(rates["cut"]) < 0.075
    assert 0.03 < np.mean(rates["whole"]) < 0.075
    assert np.mean(rates["corrected"]) < 1
