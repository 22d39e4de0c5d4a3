"""The compiled near-repeat kernel: the pairs it finds on its grid are every pair a comparison
of all pairs finds, its Knox table is the numpy path's for the same seed, and a worker has it
compiled, cached under the data directory, before it takes a job."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.algorithms import near_repeat

kernel = pytest.importorskip("analysis.algorithms.near_repeat_kernel")

DISTANCES = [100, 200, 300, 400]
TIMES = [7, 14, 21, 28]


def _clustered(rng, n, span):
    """Events around a few hot spots, most tight around one, as the benchmark draws them."""
    hotspots = rng.normal(0, 1500, size=(6, 2))
    centre = hotspots[rng.integers(0, len(hotspots), n)]
    spread = np.where(rng.random(n) < 0.6, 150.0, 1500.0)[:, None]
    points = centre + rng.normal(0, 1, (n, 2)) * spread
    return points[:, 0], points[:, 1], rng.uniform(0, span, n)


def _both(monkeypatch, *args, **kwargs):
    results = []
    for compiled in (False, True):
        monkeypatch.setattr(near_repeat, "COMPILED", compiled)
        results.append(near_repeat.knox(*args, **kwargs))
    return results


@pytest.mark.parametrize(
    ("n", "span", "iterations", "threads"),
    [(2500, 92, 99, 2), (1500, 400, 40, 1), (1200, 60, 9, 4)],
    ids=["benchmark-shape", "two-byte-days-one-thread", "narrow-batch-four-threads"],
)
def test_the_compiled_kernel_gives_the_numpy_table_for_the_same_seed(
    monkeypatch, n, span, iterations, threads
):
    monkeypatch.setattr(kernel, "threads", lambda: threads)
    rng = np.random.default_rng(n)
    x, y, t = _clustered(rng, n, span)
    plain, compiled = _both(monkeypatch, x, y, t, DISTANCES, TIMES, iterations=iterations, seed=7)
    assert plain.observed[0, 0] > 0
    np.testing.assert_array_equal(compiled.observed, plain.observed)
    np.testing.assert_array_equal(compiled.expected, plain.expected)
    np.testing.assert_array_equal(compiled.p_values, plain.p_values)
    assert {tuple(sorted(p)) for p in compiled.closest.tolist()} == {
        tuple(sorted(p)) for p in plain.closest.tolist()
    }
    assert len(compiled.closest) == len(plain.closest)


def test_the_grid_finds_every_pair_on_and_across_square_edges():
    """Events on the grid's lines, exactly one reach apart along an axis and diagonally, at
    negative coordinates: the pairs per band are those of a comparison of every pair (the same
    squared distances against squared edges)."""
    reach = 400.0
    steps = np.arange(-3, 4) * reach
    gx, gy = np.meshgrid(steps, steps)
    rng = np.random.default_rng(3)
    x = np.concatenate([gx.ravel(), rng.uniform(-1200, 1200, 300), [0.0, 240.0, 0.0]])
    y = np.concatenate([gy.ravel(), rng.uniform(-1200, 1200, 300), [0.0, 320.0, 400.0]])
    squared = np.array([100.0, 200.0, 300.0, reach]) ** 2
    grid = kernel.Grid(x, y, reach)
    xs, ys = x[grid.order], y[grid.order]
    per_event, closest, sizes, fits = kernel.pairs_within(xs, ys, grid, squared, 10**9)
    first, second = np.triu_indices(len(x), k=1)
    d2 = (x[first] - x[second]) ** 2 + (y[first] - y[second]) ** 2
    bands = (d2[:, None] > squared[None, :]).sum(axis=1)
    assert fits
    np.testing.assert_array_equal(sizes, np.bincount(bands, minlength=5)[:4])
    assert per_event.sum() == np.count_nonzero(bands < 4)
    assert closest.sum() == np.count_nonzero(bands == 0)


def test_the_search_stops_once_there_are_too_many_pairs(monkeypatch):
    monkeypatch.setattr(near_repeat, "COMPILED", True)
    x = np.zeros(3000)  # 4,498,500 pairs at one address
    with pytest.raises(near_repeat.TooManyPairs):
        near_repeat.knox(x, x, np.arange(3000.0), DISTANCES, TIMES, iterations=9, max_pairs=1000)
    grid = kernel.Grid(x, x, 400.0)
    _per_event, _closest, _sizes, fits = kernel.pairs_within(
        x, x, grid, np.array(DISTANCES, dtype=float) ** 2, 1000
    )
    assert not fits


def test_without_a_grid_to_draw_the_numpy_path_counts(monkeypatch):
    """Every event at one place: no extent to divide; a zero reach: no squares. Both are
    counted by the numpy path, with the same figures."""
    assert not kernel.fits(np.zeros(5), np.zeros(5), 0.0)
    x = np.array([0.0, 0.0, 0.0, 50.0, 90.0])
    plain, compiled = _both(monkeypatch, x, x, np.arange(5.0), [0], [1, 2], iterations=9)
    np.testing.assert_array_equal(compiled.observed, plain.observed)
    assert compiled.observed[0].sum() == 3  # the three events at the origin


def _in_a_fresh_process(lines: list[str], data_dir: Path, *, keep_numba_cache_dir: bool = True):
    """Django set up in a new interpreter on ``data_dir`` (``ILP_ENV=test``), then ``lines``;
    returns what it printed, split into words (failing on any error)."""
    env = {k: v for k, v in os.environ.items() if keep_numba_cache_dir or k != "NUMBA_CACHE_DIR"}
    env.update(ILP_DATA_DIR=str(data_dir), ILP_ENV="test")
    script = "\n".join(
        [
            "import os, sys, django",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ilp_platform.settings')",
            "django.setup()",
            *lines,
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_worker_compiles_the_kernel_into_the_data_directory_before_taking_jobs(tmp_path):
    """The worker's start-up handler, in a fresh process whose data directory is empty: the
    kernel is compiled for each width of day integers, and its cache is written under the data
    directory the settings name (``NUMBA_CACHE_DIR`` unset)."""
    printed = _in_a_fresh_process(
        [
            "from analysis.tasks import warm_up_compiled_kernels",
            "from celery.signals import worker_init",
            "assert any(r() is warm_up_compiled_kernels for _, r in worker_init.receivers)",
            "warm_up_compiled_kernels()",
            "from analysis.algorithms import near_repeat_kernel as k",
            "print(len(k._count.signatures), len(k._pairs_within.signatures))",
        ],
        tmp_path,
        keep_numba_cache_dir=False,
    )
    assert printed == ["3", "1"]
    cached = list((tmp_path / "numba-cache").rglob("*.nbi"))
    assert {p.name.split(".")[1].split("-")[0] for p in cached} >= {"_count", "_pairs_within"}


def test_listing_the_analysis_kinds_does_not_import_numba(tmp_path):
    """A web process lists the kinds for its forms and pages; numba (about a second to import)
    comes in only when a near-repeat test is counted."""
    printed = _in_a_fresh_process(
        [
            "from analysis.kinds import registry",
            "registry.kinds()",
            "print('numba' in sys.modules)",
            "from analysis.algorithms import near_repeat",
            "near_repeat.compiled_kernel()",
            "print('numba' in sys.modules)",
        ],
        tmp_path,
    )
    assert printed == ["False", "True"]
