"""The near-repeat pair counting compiled with numba: the close pairs are found on a grid and
counted as they are found, never stored.

The events are sorted by the square of a grid (side: the largest distance band) they fall in,
so the pairs within reach of an event are in its own square and the eight around it; each
unordered pair of squares is visited once (the square itself and four neighbours ahead). A
pair's distance band is found from squared distances against squared edges, the same floating
point sums as the numpy path (no fused multiply-add: numba compiles without fast-math), so
both put a pair exactly on an edge in the same band.

A first pass counts the pairs per event and per band (stopping as soon as there are more than
the test can take), which gives the band sizes, where each event's closest pairs go, and how
to split the work evenly between threads (plain Python threads: the kernels release the
GIL, so no threading layer of numba's is needed, and a job may run in any thread or a forked
worker). The second pass takes each pair's two rows of the
(events x simulations) day matrix, their absolute differences into a small buffer, and adds one
per time limit the difference is within, in byte counters per distance band that are added
into wide counters every 255 pairs of the band: loops over the simulations the compiler turns
into vector instructions.

Compiled on first use and cached on disk (``NUMBA_CACHE_DIR``); a worker warms it up when it
starts (``warm_up``) so no job pays the compilation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from numba import njit

T = TypeVar("T")

# Pairs of one band counted in byte counters before they are added into wide ones.
BYTE_LIMIT = 255
# Pairs of one band whose gaps are added to the byte counters at once (one load and store of
# the counters for four pairs: a third faster than one at a time).
QUEUED = 4
# Bytes of the day matrix's rows the compiler's vector loop takes per step.
VECTOR_STEP = 128
# Threads counting at once, at most (fewer where the process may use fewer processors).
MAX_THREADS = 4


@njit(cache=True, nogil=True, inline="always")
def _longest_square(starts: np.ndarray) -> int:
    """The most events any square of the grid holds."""
    longest = 0
    for c in range(len(starts) - 1):
        longest = max(longest, starts[c + 1] - starts[c])
    return longest


@njit(cache=True, nogil=True, inline="always")
def _distances_to_square(
    i: int,
    s: int,
    x: np.ndarray,
    y: np.ndarray,
    cell: np.ndarray,
    starts: np.ndarray,
    ahead: np.ndarray,
    buffer: np.ndarray,
) -> tuple[int, int]:
    """Squared distances from event ``i`` to the events of square ``s`` of the five it pairs
    with (0: its own square, the events after it; 1-4: the neighbours ahead) into
    ``buffer[:m]``, in one vector loop; returns ``(first event, m)``, ``m`` 0 for none."""
    c = cell[i]
    if s == 0:
        low, high = i + 1, starts[c + 1]
    else:
        other = ahead[c, s - 1]
        if other < 0:
            return 0, 0
        low, high = starts[other], starts[other + 1]
    m = high - low
    if m <= 0:
        return low, 0
    xi, yi = x[i], y[i]
    for j in range(m):
        dx = xi - x[low + j]
        dy = yi - y[low + j]
        buffer[j] = dx * dx + dy * dy
    return low, m


@njit(cache=True, nogil=True)
def _pairs_within(
    x: np.ndarray,
    y: np.ndarray,
    cell: np.ndarray,
    starts: np.ndarray,
    ahead: np.ndarray,
    squared: np.ndarray,
    first: int,
    last: int,
    max_pairs: int,
    reach: np.ndarray,
) -> bool:
    """Per event ``first:last`` (in grid order) and edge: into ``reach``, its pairs with later
    events at most that edge apart. Stops once these events have more than ``max_pairs``
    pairs within reach (returning False: too many)."""
    near = len(squared)
    # Squared distances from one event to a square's events, then a vector count per edge.
    buffer = np.empty(_longest_square(starts), dtype=np.float64)
    total = 0
    for i in range(first, last):
        counts = reach[i]
        for s in range(5):
            _low, m = _distances_to_square(i, s, x, y, cell, starts, ahead, buffer)
            if m <= 0:
                continue
            d2 = buffer[:m]
            for e in range(near):
                edge = squared[e]
                inside = 0
                for j in range(m):
                    inside += d2[j] <= edge
                counts[e] += inside
        total += counts[near - 1]
        if total > max_pairs:
            return False
    return True


@njit(cache=True, nogil=True)
def _flush(small: np.ndarray, wide: np.ndarray, band: int) -> None:
    for k in range(small.shape[1]):
        for c in range(small.shape[2]):
            wide[band, k, c] += small[band, k, c]
            small[band, k, c] = 0


@njit(cache=True, nogil=True)
def _count(
    x: np.ndarray,
    y: np.ndarray,
    cell: np.ndarray,
    starts: np.ndarray,
    ahead: np.ndarray,
    squared: np.ndarray,
    days: np.ndarray,
    limits: np.ndarray,
    first: int,
    last: int,
    offsets: np.ndarray,
    pairs_out: np.ndarray,
    keep_pairs: bool,
    wide: np.ndarray,
) -> None:
    """Adds into ``wide[band, k, column]`` the pairs of the events ``first:last`` within
    reach whose days in the column differ by at most ``limits[k]``; with ``keep_pairs``,
    writes each event's first-band pairs from ``offsets[event]`` on in ``pairs_out``."""
    near = len(squared)
    width = days.shape[1]
    nlim = len(limits)
    longest = _longest_square(starts)
    small = np.zeros((near, nlim, width), dtype=np.uint8)
    held = np.zeros(near, dtype=np.int64)
    gaps = np.empty((near, QUEUED, width), dtype=days.dtype)
    queued = np.zeros(near, dtype=np.int64)
    # A square's squared distances (one vector loop), then the events within reach
    # picked without a branch: each is written, the next slot taken only if within.
    buffer = np.empty(longest, dtype=np.float64)
    kept = np.empty(longest, dtype=np.int64)
    reach = squared[near - 1]
    for i in range(first, last):
        row = days[i]
        written = offsets[i]
        for s in range(5):
            low, m = _distances_to_square(i, s, x, y, cell, starts, ahead, buffer)
            if m <= 0:
                continue
            d2 = buffer[:m]
            w = 0
            for q in range(m):
                kept[w] = q
                w += d2[q] <= reach
            for r in range(w):
                q = kept[r]
                band = 0
                for e in range(near):
                    band += d2[q] > squared[e]
                j = low + q
                if band == 0 and keep_pairs:
                    pairs_out[written, 0] = i
                    pairs_out[written, 1] = j
                    written += 1
                # The pair's gaps wait in its band's queue; four at a time are added.
                slot = queued[band]
                g = gaps[band, slot]
                col = days[j]
                for v in range(width):
                    d = row[v] - col[v]
                    g[v] = d if d >= 0 else -d
                if slot < QUEUED - 1:
                    queued[band] = slot + 1
                    continue
                queued[band] = 0
                g0, g1, g2, g3 = gaps[band, 0], gaps[band, 1], gaps[band, 2], gaps[band, 3]
                for k in range(nlim):
                    limit = limits[k]
                    acc = small[band, k]
                    for v in range(width):
                        acc[v] += (
                            (g0[v] <= limit)
                            + (g1[v] <= limit)
                            + (g2[v] <= limit)
                            + (g3[v] <= limit)
                        )
                held[band] += QUEUED
                if held[band] > BYTE_LIMIT - QUEUED:
                    _flush(small, wide, band)
                    held[band] = 0
    # The pairs left in the queues, one at a time.
    for band in range(near):
        for slot in range(queued[band]):
            g = gaps[band, slot]
            for k in range(nlim):
                limit = limits[k]
                acc = small[band, k]
                for v in range(width):
                    acc[v] += g[v] <= limit
        _flush(small, wide, band)


class Grid:
    """Events sorted by grid square, each square's events contiguous, and for each square the
    four neighbours ahead of it (-1 where empty)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, reach: float) -> None:
        cx = np.floor((x - x.min()) / reach).astype(np.int64)
        cy = np.floor((y - y.min()) / reach).astype(np.int64)
        # One more row than needed: the square below the first row keys as a square that
        # cannot exist.
        rows = int(cy.max()) + 2
        key = cx * rows + cy
        self.order = np.argsort(key, kind="stable")
        keys = key[self.order]
        squares, first = np.unique(keys, return_index=True)
        self.starts = np.append(first, len(keys)).astype(np.int64)
        self.cell = np.searchsorted(squares, keys).astype(np.int64)
        sx, sy = squares // rows, squares % rows
        self.ahead = np.full((len(squares), 4), -1, dtype=np.int64)
        for s, (ox, oy) in enumerate(((0, 1), (1, -1), (1, 0), (1, 1))):
            wanted = (sx + ox) * rows + (sy + oy)
            where = np.minimum(np.searchsorted(squares, wanted), len(squares) - 1)
            self.ahead[:, s] = np.where(squares[where] == wanted, where, -1)


def padded(days: np.ndarray) -> np.ndarray:
    """The day matrix with empty columns up to a multiple of the vector loop's step: the
    loops over columns run 128 bytes a step (four 32-byte vectors), so a batch of 100
    simulations takes 128 columns, the last 28 empty (a third faster than 100 columns and a
    scalar tail). The counts of the empty columns are dropped."""
    width = days.shape[1]
    step = VECTOR_STEP if width > VECTOR_STEP // 2 else 32
    wanted = -(-width // step) * step
    if wanted == width:
        return np.ascontiguousarray(days)
    wide = np.zeros((days.shape[0], wanted), dtype=days.dtype)
    wide[:, :width] = days
    return wide


def threads() -> int:
    """Threads counting at once: the processors this process may run on, at most four."""
    return max(1, min(MAX_THREADS, len(os.sched_getaffinity(0))))


def _run(work: Callable[[int], T], tasks: int) -> list[T]:
    """``work(task)`` for each task, on ``threads()`` threads (the kernels release the GIL)."""
    count = threads()
    if count == 1 or tasks == 1:
        return [work(task) for task in range(tasks)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(tasks)))


def fits(x: np.ndarray, y: np.ndarray, reach: float) -> bool:
    """Whether the grid can be drawn: a positive reach and at most 2**30 squares a side."""
    if not reach > 0 or not len(x):
        return False
    side = max(float(np.ptp(x)), float(np.ptp(y))) / reach
    return bool(np.isfinite(side) and side < 2**30)


def pairs_within(
    x: np.ndarray, y: np.ndarray, grid: Grid, squared: np.ndarray, max_pairs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Per event (grid order) its pairs within reach and within the first band, the pairs per
    band, and whether they are at most ``max_pairs`` (each share of the events stops past
    them, so a search that would find far more is cut short)."""
    reach = np.zeros((len(x), len(squared)), dtype=np.int64)
    bounds = np.linspace(0, len(x), 4 * threads() + 1).astype(np.int64)

    def work(task: int) -> bool:
        return bool(
            _pairs_within(
                x,
                y,
                grid.cell,
                grid.starts,
                grid.ahead,
                squared,
                int(bounds[task]),
                int(bounds[task + 1]),
                max_pairs,
                reach,
            )
        )

    fits = all(_run(work, len(bounds) - 1))
    # An event's pairs per edge are cumulative: at most the first edge, the second ...
    within = reach.sum(axis=0)
    sizes = np.diff(within, prepend=0)
    return reach[:, -1].copy(), reach[:, 0].copy(), sizes, bool(fits and within[-1] <= max_pairs)


def count(
    x: np.ndarray,
    y: np.ndarray,
    grid: Grid,
    squared: np.ndarray,
    days: np.ndarray,
    limits: np.ndarray,
    bounds: np.ndarray,
    offsets: np.ndarray,
    pairs_out: np.ndarray,
    keep_pairs: bool,
) -> np.ndarray:
    """Pairs (bands within reach x limits x columns of ``days``, a ``padded`` matrix) of the
    events between each two ``bounds`` whose days differ by at most each limit, the shares
    between two bounds counted on threads of their own."""

    def work(task: int) -> np.ndarray:
        wide = np.zeros((len(squared), len(limits), days.shape[1]), dtype=np.int64)
        _count(
            x,
            y,
            grid.cell,
            grid.starts,
            grid.ahead,
            squared,
            days,
            limits,
            int(bounds[task]),
            int(bounds[task + 1]),
            offsets,
            pairs_out,
            keep_pairs,
            wide,
        )
        return wide

    return np.sum(_run(work, len(bounds) - 1), axis=0)


def warm_up() -> None:
    """Compiles (or loads from the cache) the kernels for each width of day integers the test
    uses, on a few events, in the calling thread."""
    x = np.array([0.0, 1.0, 2.0, 500.0])
    y = np.zeros(4)
    grid = Grid(x, y, 100.0)
    squared = np.array([10.0, 100.0]) ** 2
    xs, ys = x[grid.order], y[grid.order]
    reach = np.zeros((len(x), len(squared)), dtype=np.int64)
    args = (xs, ys, grid.cell, grid.starts, grid.ahead, squared)
    _pairs_within(*args, 0, len(x), 100, reach)
    offsets = np.concatenate([[0], np.cumsum(reach[:, 0])[:-1]]).astype(np.int64)
    pairs = np.empty((int(reach[:, 0].sum()), 2), dtype=np.int64)
    for dtype in (np.int8, np.int16, np.int32):
        days = padded(np.arange(8, dtype=dtype).reshape(4, 2))
        limits = np.array([1, 3], dtype=dtype)
        wide = np.zeros((len(squared), len(limits), days.shape[1]), dtype=np.int64)
        _count(*args, days, limits, 0, len(x), offsets, pairs, True, wide)
