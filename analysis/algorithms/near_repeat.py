"""Near-repeat analysis: the Knox test with Monte Carlo significance.

As in the Near Repeat Calculator (Ratcliffe 2009): every pair of events falls in one
distance band x time band cell; the observed pair counts are compared with the counts
expected when times are shuffled among the events (which keeps where and how many events
happened, and breaks any space-time link). For each cell: the Knox ratio observed/expected
and the Monte Carlo p-value ``(1 + #simulations >= observed) / (1 + iterations)``.

Spatial pairs within the largest distance band are found once with a k-d tree; only their
time differences change between simulations, and the distribution of all pairwise time
differences does not change under shuffling, so the "beyond" row needs no pairs at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

# Pairs handled per step of a simulation: bounds the temporary arrays to ~50 MB.
PAIR_BLOCK = 1_000_000


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
    # simulation a gather and a table lookup.
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
    i = close[:, 0].astype(np.int32)
    j = close[:, 1].astype(np.int32)
    del close
    # Cell offset of each pair's distance band, computed once: int16 keeps 10 million pairs
    # at 20 MB.
    d_offset = (_band(np.hypot(x[i] - x[j], y[i] - y[j]), d_edges) * nt).astype(np.int16)
    all_time = _all_pairs_time_counts(np.sort(t), t_edges)
    days = t.astype(np.int16 if len(t) and t.max() < 32_000 else np.int32)
    band_of_gap = _band(np.arange(int(days.max()) + 1), t_edges).astype(np.int16)

    def table(times: np.ndarray) -> np.ndarray:
        cells = np.zeros((nd - 1) * nt, dtype=np.int64)
        for first in range(0, len(i), PAIR_BLOCK):
            block = slice(first, first + PAIR_BLOCK)
            gap = np.abs(times[i[block]] - times[j[block]])
            cells += np.bincount(d_offset[block] + band_of_gap[gap], minlength=(nd - 1) * nt)
        near = cells.reshape(nd - 1, nt)
        beyond = all_time - near.sum(axis=0)
        return np.vstack([near, beyond[None, :]])

    observed = table(days).astype(float)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(observed)
    at_least = np.zeros_like(observed)
    for k in range(iterations):
        simulated = table(days[rng.permutation(n)])
        total += simulated
        at_least += simulated >= observed
        if progress is not None and (k % 5 == 4 or k == iterations - 1):
            progress((k + 1) / iterations)
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
