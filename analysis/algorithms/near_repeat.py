"""Near-repeat analysis: the Knox test with Monte Carlo significance.

As in the Near Repeat Calculator (Ratcliffe 2009): every pair of events falls in one
distance band x time band cell; the observed pair counts are compared with the counts
expected when times are shuffled among the events (which keeps where and how many events
happened, and breaks any space-time link). For each cell: the Knox ratio observed/expected
and the Monte Carlo p-value ``(1 + #simulations >= observed) / (1 + iterations)``.

Spatial pairs within the largest distance band are found once with a k-d tree and grouped by
distance band; only their time differences change between simulations, and the distribution
of all pairwise time differences does not change under shuffling, so the "beyond" row needs no
pairs at all. The simulations run side by side: each event's day in the observed data and in
a batch of shuffles is one row of a small-integer matrix, so a block of pairs costs two row
gathers, a subtraction and one comparison per time band for the whole batch, counted by
halving sums in place on the bytes. The shuffles are drawn one after the other from one
seeded generator, so a seed gives the same table whatever the batch size.

The events are renumbered in the order of a k-d tree over them before the pairs are found, so
the two events of a close pair have nearby rows in that matrix (the gathers read from cache;
integer counts add up the same in any order). The pairs of the closest distance band are
handed back for the map of events with a near repeat.

Where numba is installed the pairs are instead found on a grid and counted as they are found
by a compiled kernel (``near_repeat_kernel``), never held as arrays; the shuffles are drawn
here the same way for both, so the table and p-values are the same for a seed. Without numba
(or with ``COMPILED`` off) the numpy path above counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from types import ModuleType

import numpy as np
from scipy.spatial import cKDTree


@cache
def compiled_kernel() -> ModuleType | None:
    """The compiled kernel, imported on first use (numba takes about a second to import: a web
    process that only lists the analysis kinds never pays it); None without numba (or a cache
    numba can write), and the test counts with numpy."""
    try:
        from analysis.algorithms import near_repeat_kernel
    except (ImportError, RuntimeError, OSError):  # pragma: no cover
        return None
    return near_repeat_kernel


# Count with the compiled kernel where numba is there (tests switch it off to compare).
COMPILED = True
# Calls of the compiled kernel per batch of simulations: a progress report after each.
COMPILED_STEPS = 10
# Pairs whose distance band is found per step (a few hundred kB of temporaries).
PAIR_BLOCK = 1 << 16
# Pairs grouped by distance band at a time: their bytes and indices stay in cache.
CHUNK_PAIRS = 1 << 18
# Progress is reported in steps of this share of the simulations (each report is a write).
PROGRESS_STEP = 0.1
# Cells of (pairs x simulations) handled per step: half a megabyte per buffer, the step's three
# buffers within a server processor's second-level cache (a fifth faster than 1 MB at scale L).
BLOCK_CELLS = 1 << 19
# Simulations held side by side: bounds the (events x simulations) day matrix to ~25 MB at
# the largest event count the job accepts.
BATCH_BYTES = 25_000_000


class TooManyPairs(ValueError):
    """More close pairs than the test can hold in memory."""


@dataclass
class KnoxResult:
    distance_edges: list[float]  # upper edges in metres; a last "beyond" band follows
    time_edges: list[float]  # upper edges in days; a last "beyond" band follows
    observed: np.ndarray  # (len(distance_edges) + 1) x (len(time_edges) + 1)
    expected: np.ndarray
    p_values: np.ndarray
    iterations: int
    events: int
    pairs: int
    # The pairs of events (their positions as given) within the first distance band, any time
    # apart: the closest pairs, for a map of them.
    closest: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = self.observed / self.expected
        return np.where(self.expected > 0, r, np.nan)


def _band(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Band index per value: 0 for [0, e0], 1 for (e0, e1], ..., len(edges) beyond the last."""
    return np.searchsorted(edges, values, side="left")


def _all_pairs_time_counts(t_sorted: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Pairs of events per time band over all n(n-1)/2 pairs, in O(n log n)."""
    n = len(t_sorted)
    total = n * (n - 1) // 2
    within = []
    idx = np.arange(n)
    for e in edges:
        upto = np.searchsorted(t_sorted, t_sorted + e, side="right") - idx - 1
        within.append(int(upto.sum()))
    cumulative = np.array([*within, total], dtype=np.int64)
    return np.diff(np.concatenate([[0], cumulative]))


# Halving rounds on a byte mask: after seven, a count is at most 128, inside uint8.
FOLDS = 7


def _fold(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Folds a boolean (rows x columns) array onto its first rows by halving sums in place;
    returns it as bytes and how many rows now hold the true values per column (each <= 128).
    """
    x = mask.view(np.uint8)
    rows = x.shape[0]
    for _round in range(FOLDS):
        if rows <= 1:
            break
        half = rows // 2
        x[:half] += x[rows - half : rows]
        rows -= half
    return x, rows


def _distance_bands(
    x: np.ndarray, y: np.ndarray, first: np.ndarray, second: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """Band of each pair (0 within the first edge ... len(edges) beyond the last), a block at
    a time so the gathers stay in cache; squared distances against squared edges, counted
    edge by edge (a few comparisons beat a binary search per pair)."""
    squared = edges**2
    bands = np.zeros(len(first), dtype=np.int8)
    above = np.empty(min(PAIR_BLOCK, len(first)), dtype=bool)
    for start in range(0, len(first), PAIR_BLOCK):
        a, b = first[start : start + PAIR_BLOCK], second[start : start + PAIR_BLOCK]
        dx = np.take(x, a) - np.take(x, b)
        dy = np.take(y, a) - np.take(y, b)
        dx *= dx
        dy *= dy
        dx += dy
        out, flag = bands[start : start + PAIR_BLOCK], above[: len(dx)]
        for edge in squared:
            np.greater(dx, edge, out=flag)
            out += flag
    return bands


def _cumulative_counts(
    first: np.ndarray,
    second: np.ndarray,
    bands: np.ndarray,
    near: int,
    days: np.ndarray,
    limits: np.ndarray,
    progress: Callable[[int], None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each distance band within reach (``near`` of them), each limit and each column of
    ``days`` (events x simulations): pairs (``first[k]``, ``second[k]``) whose days differ by
    at most the limit. Also the pairs in each band and the pairs of the first band.

    The pairs are taken a chunk at a time, grouped by band inside the chunk (a stable radix
    sort of bytes that fit in cache), so a block of pairs shares its band."""
    width = days.shape[1]
    block = int(min(max(BLOCK_CELLS // max(width, 1), 256), 1 << 16))
    # What the folds leave of each block, added up wide and summed once at the end.
    left = -(-block // (1 << FOLDS))
    partial = np.zeros((near, len(limits), left, width), dtype=np.int64)
    # A gap never exceeds the dtype's range, so a limit past it is the range's end.
    top = np.iinfo(days.dtype).max
    cut = [min(int(v), top) for v in limits]
    sizes = np.zeros(near + 1, dtype=np.int64)
    closest = [np.empty((0, 2), dtype=first.dtype)]
    # The block's buffers, reused: the rows of each pair's first and second event, the mask.
    gap = np.empty((block, width), dtype=days.dtype)
    other = np.empty((block, width), dtype=days.dtype)
    mask = np.empty((block, width), dtype=bool)
    for start in range(0, len(first), CHUNK_PAIRS):
        chunk = bands[start : start + CHUNK_PAIRS]
        order = np.argsort(chunk, kind="stable")
        # Where each band's pairs begin in the grouped chunk (the last: those beyond).
        bounds = np.searchsorted(chunk[order], np.arange(near + 2))
        sizes += np.diff(bounds)
        i = np.take(first[start : start + CHUNK_PAIRS], order)
        j = np.take(second[start : start + CHUNK_PAIRS], order)
        closest.append(np.column_stack([i[: bounds[1]], j[: bounds[1]]]))
        for band in range(near):
            for low in range(int(bounds[band]), int(bounds[band + 1]), block):
                high = min(low + block, int(bounds[band + 1]))
                rows = high - low
                # Indices from the k-d tree are in range: no bounds buffering ("clip").
                one, two = gap[:rows], other[:rows]
                np.take(days, i[low:high], axis=0, out=one, mode="clip")
                np.take(days, j[low:high], axis=0, out=two, mode="clip")
                np.subtract(one, two, out=one)
                np.abs(one, out=one)
                part = mask[:rows]
                for k, limit in enumerate(cut):
                    np.less_equal(one, limit, out=part)
                    folded, kept = _fold(part)
                    partial[band, k, :kept] += folded[:kept]
                progress(rows)
    return partial.sum(axis=2), sizes, np.concatenate(closest)


# Counts a day matrix's pairs: (cumulative counts per band within reach x limit x column, pairs
# per band, the first band's pairs as rows of the matrix) from (matrix, limits, progress).
Counter = Callable[
    [np.ndarray, np.ndarray, Callable[[int], None]], tuple[np.ndarray, np.ndarray, np.ndarray]
]


def _numpy_pairs(
    x: np.ndarray, y: np.ndarray, d_edges: np.ndarray, max_pairs: int
) -> tuple[np.ndarray, int, Counter]:
    """The events' new order, the pairs within reach and their counter, with numpy alone: the
    pairs from a k-d tree, held as arrays."""
    # The events renumbered in the order of a k-d tree over them: events close in space are
    # then close in memory, and the day rows of a close pair are gathered from nearby.
    order = cKDTree(np.column_stack([x, y])).indices
    x, y = x[order], y[order]
    tree = cKDTree(np.column_stack([x, y]))
    close = tree.query_pairs(r=float(d_edges[-1]), output_type="ndarray")
    if len(close) > max_pairs:
        raise TooManyPairs(len(close))
    # The pairs' two events as columns of their own: half the bytes, read contiguously.
    first_event, second_event = close[:, 0].astype(np.int32), close[:, 1].astype(np.int32)
    del close
    bands = _distance_bands(x, y, first_event, second_event, d_edges)
    near = len(d_edges)
    # Pairs within reach of the table's distance bands (a pair the squared comparison puts
    # past the last edge is counted beyond, as the table's last row).
    within = len(bands) - int(np.count_nonzero(bands == near))

    def count(matrix, limits, progress):
        return _cumulative_counts(first_event, second_event, bands, near, matrix, limits, progress)

    return order, within, count


def _compiled_pairs(
    x: np.ndarray, y: np.ndarray, d_edges: np.ndarray, max_pairs: int
) -> tuple[np.ndarray, int, Counter]:
    """As ``_numpy_pairs`` with the compiled kernel: the pairs found on a grid and counted
    as they are found, in ``COMPILED_STEPS`` calls (a progress report after each), each split
    between the threads by their number of pairs."""
    kernel = compiled_kernel()
    assert kernel is not None
    grid = kernel.Grid(x, y, float(d_edges[-1]))
    order = grid.order
    x, y = x[order], y[order]
    squared = d_edges**2
    per_event, closest_per_event, sizes, fits = kernel.pairs_within(x, y, grid, squared, max_pairs)
    if not fits:
        raise TooManyPairs(int(per_event.sum()))
    within = int(sizes.sum())
    # Where each event's first-band pairs go, and the pairs before each event.
    offsets = np.concatenate([[0], np.cumsum(closest_per_event)[:-1]]).astype(np.int64)
    before = np.concatenate([[0], np.cumsum(per_event)])
    threads = kernel.threads()
    tasks = COMPILED_STEPS * threads
    targets = within * np.arange(1, tasks) / tasks
    bounds = np.concatenate([[0], np.searchsorted(before, targets), [len(x)]]).astype(np.int64)
    closest = np.empty((int(closest_per_event.sum()), 2), dtype=np.int64)
    kept = False

    def count(matrix, limits, progress):
        nonlocal kept
        # A gap never exceeds the dtype's range, so a limit past it is the range's end.
        top = np.iinfo(matrix.dtype).max
        cut = np.minimum(limits, top).astype(matrix.dtype)
        days = kernel.padded(matrix)
        total = np.zeros((len(d_edges), len(cut), days.shape[1]), dtype=np.int64)
        for step in range(COMPILED_STEPS):
            part = bounds[step * threads : (step + 1) * threads + 1]
            total += kernel.count(x, y, grid, squared, days, cut, part, offsets, closest, not kept)
            progress(int(before[part[-1]] - before[part[0]]))
        kept = True
        return total[:, :, : matrix.shape[1]], sizes, closest

    return order, within, count


def knox(
    x,
    y,
    t,
    distance_edges,
    time_edges,
    *,
    iterations: int = 99,
    seed: int = 0,
    max_pairs: int = 10_000_000,
    progress: Callable[[float], None] | None = None,
) -> KnoxResult:
    """Knox table for events at (x, y) metres and times ``t`` in days (compared as whole
    days: a pair 0 days apart is the same day)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    # Whole days, as the Near Repeat Calculator compares dates: small integers make each
    # simulation a gather and a comparison.
    t = np.floor(np.asarray(t, dtype=float))
    if len(t):
        t = t - t.min()
    d_edges = np.asarray(sorted(distance_edges), dtype=float)
    t_edges = np.asarray(sorted(time_edges), dtype=float)
    nd, nt = len(d_edges) + 1, len(t_edges) + 1
    n = len(t)
    if n < 2:
        empty = np.zeros((nd, nt))
        return KnoxResult(
            list(d_edges), list(t_edges), empty, empty, np.ones((nd, nt)), iterations, n, 0
        )

    kernel = compiled_kernel() if COMPILED else None
    if kernel is not None and kernel.fits(x, y, float(d_edges[-1])):
        order, within, count = _compiled_pairs(x, y, d_edges, max_pairs)
    else:
        order, within, count = _numpy_pairs(x, y, d_edges, max_pairs)
    band_sizes = np.zeros(nd - 1, dtype=np.int64)
    closest = np.empty((0, 2), dtype=np.int32)
    all_time = _all_pairs_time_counts(np.sort(t), t_edges)
    span = int(t.max())
    dtype = np.int8 if span <= 127 else np.int16 if span <= 32_767 else np.int32
    days = t.astype(dtype)
    # A whole-day gap is within a band's upper edge e when it is at most floor(e).
    limits = np.floor(t_edges).astype(np.int64)

    def table(cumulative: np.ndarray) -> np.ndarray:
        """(distance bands within reach x time bands) from counts at most each limit."""
        near = np.diff(cumulative, axis=1, prepend=0)
        near = np.hstack([near, band_sizes[:, None] - cumulative[:, -1:]])
        beyond = all_time - near.sum(axis=0)
        return np.vstack([near, beyond[None, :]])

    rng = np.random.default_rng(seed)
    batch = int(max(1, min(iterations + 1, BATCH_BYTES // (n * days.itemsize))))
    work = within * (iterations + 1)
    done = 0

    reported = 0.0

    def advance(pairs: int, columns: int) -> None:
        # Each report may be a database write: at most one per PROGRESS_STEP of the work.
        nonlocal done, reported
        done += pairs * columns
        fraction = min(done / max(work, 1), 1.0)
        if progress is not None and (fraction - reported >= PROGRESS_STEP or fraction == 1.0):
            reported = fraction
            progress(fraction)

    observed = None
    total = np.zeros((nd, nt))
    at_least = np.zeros((nd, nt))
    drawn = 0
    while observed is None or drawn < iterations:
        # Rows in the events' new order; each shuffle is drawn over the events as given (a
        # shuffle's day of event k is days[permutation[k]]), so a seed gives the same shuffles.
        columns = []
        if observed is None:
            columns.append(days[order])
        while len(columns) < batch and drawn < iterations:
            # The same draws as days[rng.permutation(n)], shuffling bytes instead of indices.
            columns.append(rng.permutation(days)[order])
            drawn += 1
        matrix = np.ascontiguousarray(np.column_stack(columns))
        width = matrix.shape[1]
        counts, sizes, closest = count(matrix, limits, partial(advance, columns=width))
        band_sizes = sizes[: nd - 1]
        first = 0
        if observed is None:
            observed = table(counts[:, :, 0]).astype(float)
            first = 1
        for column in range(first, width):
            simulated = table(counts[:, :, column])
            total += simulated
            at_least += simulated >= observed
    expected = total / max(iterations, 1)
    p_values = (1.0 + at_least) / (1.0 + iterations)
    return KnoxResult(
        distance_edges=[float(e) for e in d_edges],
        time_edges=[float(e) for e in t_edges],
        observed=observed,
        expected=expected,
        p_values=p_values,
        iterations=iterations,
        events=n,
        pairs=n * (n - 1) // 2,
        closest=order[closest.astype(np.intp)],
    )
