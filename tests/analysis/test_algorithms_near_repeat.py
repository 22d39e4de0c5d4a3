"""The Knox test finds planted near repeats and finds nothing in uniform random data."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from analysis.algorithms import near_repeat
from analysis.algorithms.near_repeat import TooManyPairs, knox

DISTANCES = [100, 200, 400]
TIMES = [7, 14, 28]


@pytest.fixture(params=["numpy", "compiled"])
def counting(request, monkeypatch):
    """Each test of the counting runs with numpy alone and with the compiled kernel (skipped
    where numba is not installed): both must give the same figures."""
    if request.param == "compiled" and near_repeat.compiled_kernel() is None:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(near_repeat, "COMPILED", request.param == "compiled")
    return request.param


def _uniform(rng, n):
    return rng.uniform(0, 5000, n), rng.uniform(0, 5000, n), rng.uniform(0, 365, n)


def test_planted_near_repeats_are_significant_in_the_close_and_short_cell(counting):
    rng = np.random.default_rng(1)
    x, y, t = _uniform(rng, 300)
    # Each of 60 originators is followed within a week by a repeat less than 100 m away.
    k = 60
    x = np.concatenate([x, x[:k] + rng.uniform(-40, 40, k)])
    y = np.concatenate([y, y[:k] + rng.uniform(-40, 40, k)])
    t = np.concatenate([t, t[:k] + rng.uniform(0, 6, k)])
    result = knox(x, y, t, DISTANCES, TIMES, iterations=99, seed=5)
    assert result.observed[0, 0] >= k
    assert result.ratio[0, 0] > 3
    assert result.p_values[0, 0] == pytest.approx(0.01)  # no simulation reached it
    assert result.p_values[0, 0] < 0.05


def test_uniform_random_events_show_no_near_repeat_pattern():
    rng = np.random.default_rng(2)
    x, y, t = _uniform(rng, 400)
    result = knox(x, y, t, DISTANCES, TIMES, iterations=99, seed=5)
    assert result.p_values[0, 0] > 0.05
    assert 0.3 < result.ratio[0, 0] < 2.5


def test_observed_and_expected_each_account_for_every_pair(counting):
    rng = np.random.default_rng(3)
    x, y, t = _uniform(rng, 120)
    result = knox(x, y, t, DISTANCES, TIMES, iterations=19, seed=1)
    pairs = 120 * 119 // 2
    assert result.observed.sum() == pairs
    assert result.expected.sum() == pytest.approx(pairs)
    assert result.observed.shape == (len(DISTANCES) + 1, len(TIMES) + 1)


def test_the_same_seed_gives_the_same_table(counting):
    rng = np.random.default_rng(4)
    x, y, t = _uniform(rng, 150)
    a = knox(x, y, t, DISTANCES, TIMES, iterations=9, seed=42)
    b = knox(x, y, t, DISTANCES, TIMES, iterations=9, seed=42)
    np.testing.assert_array_equal(a.expected, b.expected)
    np.testing.assert_array_equal(a.p_values, b.p_values)


def test_too_many_close_pairs_is_refused_rather_than_exhausting_memory(counting):
    x = np.zeros(100)
    with pytest.raises(TooManyPairs):
        knox(x, x, np.arange(100.0), DISTANCES, TIMES, iterations=1, max_pairs=100)


def _brute_force_knox(x, y, t, distances, times, iterations, seed):
    """Every pair's distance and day gap from the full matrices, one shuffle at a time: the
    reference the k-d tree and the side-by-side simulations must reproduce exactly."""
    days = np.floor(t)
    first, second = np.triu_indices(len(x), k=1)
    distance = np.hypot(x[first] - x[second], y[first] - y[second])
    row = np.searchsorted(np.asarray(distances, dtype=float), distance, side="left")
    shape = (len(distances) + 1, len(times) + 1)

    def table(d):
        column = np.searchsorted(np.asarray(times, dtype=float), np.abs(d[first] - d[second]))
        counts = np.zeros(shape)
        np.add.at(counts, (row, column), 1)
        return counts

    observed = table(days)
    rng = np.random.default_rng(seed)
    total, at_least = np.zeros(shape), np.zeros(shape)
    for _ in range(iterations):
        simulated = table(days[rng.permutation(len(days))])
        total += simulated
        at_least += simulated >= observed
    return observed, total / iterations, (1 + at_least) / (1 + iterations)


@pytest.mark.parametrize(
    ("span", "batch_bytes"),
    [(90, 25_000_000), (90, 1), (900, 3_000), (80_000, 25_000_000)],
    ids=["days-in-one-byte", "one-simulation-per-batch", "two-byte-days", "four-byte-days"],
)
def test_the_table_equals_a_brute_force_monte_carlo_with_the_same_shuffles(
    monkeypatch, counting, span, batch_bytes
):
    """Same seed, same shuffles: observed, expected and p-values identical to the reference,
    whatever the width of the day integers or how many simulations run side by side."""
    rng = np.random.default_rng(11)
    x, y, t = rng.uniform(0, 1500, 260), rng.uniform(0, 1500, 260), rng.uniform(0, span, 260)
    x[:40], y[:40] = 700.0, 700.0  # forty events at one address: many pairs at distance 0
    x[40:45], y[40:45] = 700.0 + 60.0, 700.0 + 80.0  # exactly 100 m from them
    monkeypatch.setattr(near_repeat, "BATCH_BYTES", batch_bytes)
    result = knox(x, y, t, [100, 250.5, 400], [0.5, 7, 30], iterations=23, seed=9)
    observed, expected, p_values = _brute_force_knox(
        x, y, t, [100, 250.5, 400], [0.5, 7, 30], 23, 9
    )
    np.testing.assert_array_equal(result.observed, observed)
    np.testing.assert_array_equal(result.expected, expected)
    np.testing.assert_array_equal(result.p_values, p_values)


def test_progress_is_reported_in_a_few_steps_up_to_the_end(monkeypatch, counting):
    """Each report may be a database write: about ten for a whole run, however many blocks
    of pairs there are, ending at 1."""
    monkeypatch.setattr(near_repeat, "BLOCK_CELLS", 1)  # a block of 256 pairs at a time
    rng = np.random.default_rng(5)
    x, y, t = _uniform(rng, 600)
    seen: list[float] = []
    knox(x, y, t, [1000, 3000], TIMES, iterations=19, seed=1, progress=seen.append)
    assert 5 <= len(seen) <= 11
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_the_closest_pairs_are_every_pair_within_the_first_distance_band(counting):
    """The pairs the map marks come from the test's own search: every pair of events no
    further apart than the first band's edge (events exactly on the edge included), as a
    k-d tree queried at that distance and a comparison of every pair find them."""
    rng = np.random.default_rng(12)
    x, y, t = rng.uniform(0, 2000, 500), rng.uniform(0, 2000, 500), rng.uniform(0, 60, 500)
    x[:30], y[:30] = 900.0, 900.0
    x[30:40], y[30:40] = 900.0 + 60.0, 900.0 + 80.0  # exactly 100 m from the first thirty
    x[40:45], y[40:45] = 1000.0, 900.0  # exactly 100 m along one axis
    result = knox(x, y, t, [100, 250, 400], [7, 14], iterations=9, seed=3)
    found = {tuple(sorted(pair)) for pair in result.closest.tolist()}
    first, second = np.triu_indices(len(x), k=1)
    within = (x[first] - x[second]) ** 2 + (y[first] - y[second]) ** 2 <= 100.0**2
    assert found == set(zip(first[within].tolist(), second[within].tolist(), strict=True))
    assert found == cKDTree(np.column_stack([x, y])).query_pairs(r=100.0)
    assert len(found) == len(result.closest) > 30 * 29 // 2 + 30 * 10 + 30 * 5


def test_the_table_and_the_closest_pairs_are_the_same_counted_a_few_pairs_at_a_time(
    monkeypatch, counting
):
    """Bands found and pairs counted a few hundred at a time, the pairs of each band added up
    block by block: the brute-force table exactly, and every pair within the first band."""
    monkeypatch.setattr(near_repeat, "PAIR_BLOCK", 300)
    monkeypatch.setattr(near_repeat, "CHUNK_PAIRS", 700)
    # The compiled kernel: many small shares of the events, on three threads.
    monkeypatch.setattr(near_repeat, "COMPILED_STEPS", 7)
    if near_repeat.compiled_kernel() is not None:
        monkeypatch.setattr(near_repeat.compiled_kernel(), "MAX_THREADS", 3)
        monkeypatch.setattr(near_repeat.compiled_kernel(), "threads", lambda: 3)
    rng = np.random.default_rng(13)
    x, y, t = rng.uniform(0, 1500, 300), rng.uniform(0, 1500, 300), rng.uniform(0, 90, 300)
    result = knox(x, y, t, DISTANCES, TIMES, iterations=19, seed=4)
    observed, expected, p_values = _brute_force_knox(x, y, t, DISTANCES, TIMES, 19, 4)
    np.testing.assert_array_equal(result.observed, observed)
    np.testing.assert_array_equal(result.expected, expected)
    np.testing.assert_array_equal(result.p_values, p_values)
    closest = {tuple(sorted(pair)) for pair in result.closest.tolist()}
    assert closest == cKDTree(np.column_stack([x, y])).query_pairs(r=100.0)
    assert len(closest) == len(result.closest) > 0
