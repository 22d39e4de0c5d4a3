"""Day-of-week x hour profiles with aoristic weighting (Ratcliffe 2000; Ashby and Bowers 2013).

Times are local wall-clock seconds counted from a Monday 00:00 (so ``t // 3600 % 168`` is the
hour of the week, Monday 00-01 first). An event known to the hour weighs 1 in that hour; an
event known only within a window ``[start, end)`` spreads its unit weight over the hours of
the week the window covers, in proportion to the time it spends in each. Every event's
weights sum to 1, so the matrix total is the number of events.
"""

from __future__ import annotations

import numpy as np

HOUR = 3600
WEEK_HOURS = 168
WEEK = WEEK_HOURS * HOUR
# Windows are processed in blocks of this many events: a block is a (block x 168) float array,
# about 27 MB, whatever the number of events.
BLOCK = 20_000


def _covered(t: np.ndarray) -> np.ndarray:
    """Seconds spent in each hour-of-week slot between the origin and ``t`` (len(t) x 168)."""
    weeks, rest = np.divmod(t, WEEK)
    slot_start = np.arange(WEEK_HOURS, dtype=float) * HOUR
    partial = np.clip(rest[:, None] - slot_start[None, :], 0.0, HOUR)
    return weeks[:, None] * HOUR + partial


def aoristic_week(start, end=None) -> np.ndarray:
    """A 7 x 24 matrix (Monday first, hour 0 first) of aoristic weights.

    ``start`` and ``end`` are arrays of local seconds since a Monday 00:00; ``end`` may hold
    NaN (or be ``None``) for events known to the minute, and a window that ends at or before
    it starts counts as exact.
    """
    start = np.asarray(start, dtype=float)
    end = np.full_like(start, np.nan) if end is None else np.asarray(end, dtype=float)
    total = np.zeros(WEEK_HOURS)
    windowed = np.isfinite(end) & (end > start)
    exact_slots = (np.floor(start[~windowed] / HOUR).astype(np.int64)) % WEEK_HOURS
    total += np.bincount(exact_slots, minlength=WEEK_HOURS)
    ws, we = start[windowed], end[windowed]
    # Shift each window so it starts in the first week: keeps the numbers small and exact.
    shift = np.floor(ws / WEEK) * WEEK
    ws, we = ws - shift, we - shift
    for i in range(0, len(ws), BLOCK):
        s, e = ws[i : i + BLOCK], we[i : i + BLOCK]
        spent = _covered(e) - _covered(s)
        total += (spent / (e - s)[:, None]).sum(axis=0)
    return total.reshape(7, 24)


def aoristic_weights(start, end) -> np.ndarray:
    """Per-event weights over the 168 hours of the week (for tests and small samples)."""
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    out = np.zeros((len(start), WEEK_HOURS))
    for k in range(len(start)):
        out[k] = aoristic_week(start[k : k + 1], end[k : k + 1]).ravel()
    return out
