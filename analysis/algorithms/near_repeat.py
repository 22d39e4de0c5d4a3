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
gathers, a subtraction and one comparison per time band for the whole batch, counted with
in-place halving sums. The shuffles are drawn one after the other from one seeded generator,
so a seed gives the same table whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

# Pairs whose distance band is found per step (a few hundred kB of temporaries).
PAIR_BLOCK = 1 << 16
# Progress is reported in steps of this share of the simulations.
PROGRESS_STEP = 0.05
# Cells of (pairs x simulations) handled per step: about 1 MB per temporary array.
BLOCK_CELLS = 1 << 20
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


def _column_counts(mask: np.ndarray) -> np.ndarray:
    """True values per column of a boolean (rows x columns) array, which it overwrites.

    Halving sums in place on the bytes: six rounds keep every count <= 64, inside int8; the
    few rows left are summed wide.
    """
    x = mask.view(np.int8)
    rows = x.shape[0]
    for _round in range(6):
        if rows <= 1:
            break
        half = rows // 2
        x[:half] += x[rows - half : rows]
        rows -= half
    return x[:rows].sum(axis=0, dtype=np.int64)


def _cumulative_counts(
    i: np.ndarray,
    j: np.ndarray,
    segments: np.ndarray,
    days: np.ndarray,
    limits: np.ndarray,
    progress: Callable[[int], None],
) -> np.ndarray:
    """For each distance band (pairs ``segments[k]:segments[k+1]``), each column of ``days``
    (events x simulations) and each limit: pairs whose days differ by at most the limit."""
    width = days.shape[1]
    counts = np.zeros((len(segments) - 1, len(limits), width), dtype=np.int64)
    block = int(min(max(BLOCK_CELLS // max(width, 1), 256), 1 << 16))
    # A gap never exceeds the dtype's range, so a limit past it is the range's end.
    top = np.iinfo(days.dtype).max
    cut = [min(int(v), top) for v in limits]
    mask = np.empty((block, width), dtype=bool)
    for band in range(len(segments) - 1):
        for first in range(int(segments[band]), int(segments[band + 1]), block):
            last = min(first + block, int(segments[band + 1]))
            gap = np.take(days, i[first:last], axis=0)
            gap -= np.take(days, j[first:last], axis=0)
            np.abs(gap, out=gap)
            part = mask[: last - first]
            for k, limit in enumerate(cut):
                np.less_equal(gap, limit, out=part)
                counts[band, k] += _column_counts(part)
            progress(last - first)
    return counts


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

    tree = cKDTree(np.column_stack([x, y]))
    close = tree.query_pairs(r=float(d_edges[-1]), output_type="ndarray")
    if len(close) > max_pairs:
        raise TooManyPairs(len(close))
    # Distance band of each pair, a block at a time (the gathers stay in cache), compared
    # squared: no square root per pair.
    squared_edges = d_edges**2
    d_band = np.empty(len(close), dtype=np.int8)
    for first in range(0, len(close), PAIR_BLOCK):
        a, b = close[first : first + PAIR_BLOCK, 0], close[first : first + PAIR_BLOCK, 1]
        dx = np.take(x, a) - np.take(x, b)
        dy = np.take(y, a) - np.take(y, b)
        dx *= dx
        dy *= dy
        dx += dy
        d_band[first : first + PAIR_BLOCK] = np.searchsorted(squared_edges, dx, side="left")
    # Pairs grouped by distance band (a stable radix sort on one byte), so a block of pairs
    # shares its band and only the time bands are counted.
    order = np.argsort(d_band, kind="stable")
    segments = np.searchsorted(d_band[order], np.arange(nd))
    close = close[order]
    i, j = close[:, 0], close[:, 1]
    del d_band, order
    all_time = _all_pairs_time_counts(np.sort(t), t_edges)
    span = int(t.max())
    dtype = np.int8 if span <= 127 else np.int16 if span <= 32_767 else np.int32
    days = t.astype(dtype)
    # A whole-day gap is within a band's upper edge e when it is at most floor(e).
    limits = np.floor(t_edges).astype(np.int64)

    def table(cumulative: np.ndarray) -> np.ndarray:
        """(distance bands within reach x time bands) from counts at most each limit."""
        near = np.diff(cumulative, axis=1, prepend=0)
        near = np.hstack([near, (segments[1:] - segments[:-1])[:, None] - cumulative[:, -1:]])
        beyond = all_time - near.sum(axis=0)
        return np.vstack([near, beyond[None, :]])

    rng = np.random.default_rng(seed)
    batch = int(max(1, min(iterations + 1, BATCH_BYTES // (n * days.itemsize))))
    work = len(i) * (iterations + 1)
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
        columns = []
        if observed is None:
            columns.append(days)
        while len(columns) < batch and drawn < iterations:
            columns.append(days[rng.permutation(n)])
            drawn += 1
        matrix = np.ascontiguousarray(np.column_stack(columns))
        width = matrix.shape[1]
        counts = _cumulative_counts(
            i, j, segments, matrix, limits, lambda pairs, w=width: advance(pairs, w)
        )
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
    )
