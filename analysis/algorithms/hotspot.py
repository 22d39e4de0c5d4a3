"""Hotspots: counts on a regular grid, Getis-Ord Gi* and a kernel density surface.

Gi* here is the classic statistic (Getis and Ord 1992; Ord and Getis 1995) with binary queen
contiguity weights including the cell itself, the form crime-mapping tools use; it equals
``esda.G_Local(y, w, transform="B", star=True)`` on the same grid (the test checks it). It is
computed with one 3x3 convolution, so it costs the same on a million cells as on a hundred.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal, stats

# Two-sided critical values of the standard normal for 95%, 99% and 99.9% confidence.
Z_95 = 1.959964
Z_99 = 2.575829
Z_999 = 3.290527
CONFIDENCE_LEVELS = {1: 95.0, 2: 99.0, 3: 99.9}

QUARTIC = "quartic"
GAUSSIAN = "gaussian"
GAUSSIAN_REACH = 4.0

# False-discovery rates matching the three confidence levels (Benjamini-Hochberg).
FDR_RATES = (0.05, 0.01, 0.001)

# Kernel density from points: exact up to this many (point, cell within reach) pairs, about
# half a second of numpy; beyond it, linear binning on a lattice of at least BIN_STEPS nodes
# per bandwidth, of at most MAX_LATTICE nodes (about 50 MB of FFT work), which is within 0.5%
# of the exact sum and takes a fifth of the time at 500,000 incidents.
EXACT_PAIRS = 5_000_000
BIN_STEPS = 16
MAX_LATTICE = 4_000_000


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells on the local plane; row 0 is the southernmost row."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, xmin: float, ymin: float, xmax: float, ymax: float, cell: float) -> Grid:
        """The fewest whole cells of side ``cell`` that cover the box, centred on it.

        Where the box is not a whole number of cells, the cells of the first and last row
        (column) are cut by its edge; centring the grid keeps each of them at least half
        inside. :meth:`coverage` gives the share of each cell inside.
        """
        width, height = max(0.0, xmax - xmin), max(0.0, ymax - ymin)
        # A hair's tolerance: a box of exactly n cells, rounded in its last digit, is n cells.
        nx = max(1, math.ceil(width / cell - 1e-9))
        ny = max(1, math.ceil(height / cell - 1e-9))
        x0 = xmin - (nx * cell - width) / 2
        y0 = ymin - (ny * cell - height) / 2
        return cls(x0=float(x0), y0=float(y0), cell=float(cell), nx=nx, ny=ny)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    def cell_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Column and row of each point, clipped into the grid (points on the far edge)."""
        ix = np.floor((np.asarray(x, dtype=float) - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((np.asarray(y, dtype=float) - self.y0) / self.cell).astype(np.int64)
        return np.clip(ix, 0, self.nx - 1), np.clip(iy, 0, self.ny - 1)

    def corners(self, ix, iy) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x_min, y_min, x_max, y_max) of the given cells, in metres on the plane."""
        xmin = self.x0 + np.asarray(ix) * self.cell
        ymin = self.y0 + np.asarray(iy) * self.cell
        return xmin, ymin, xmin + self.cell, ymin + self.cell

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre, as (ny, nx) arrays."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell
        ys = self.y0 + (np.arange(self.ny) + 0.5) * self.cell
        return np.meshgrid(xs, ys)

    def coverage(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Share of each cell's area inside the box, as an (ny, nx) array of 0..1 (a box of no
        width or no height, the extent of incidents on one line, covers its one column or row)."""

        def overlap(origin: float, n: int, low: float, high: float) -> np.ndarray:
            if high <= low:  # incidents all on one line: the one row (column) is the area
                return np.ones(n)
            starts = origin + np.arange(n) * self.cell
            inside = np.minimum(starts + self.cell, high) - np.maximum(starts, low)
            return np.clip(inside / self.cell, 0.0, 1.0)

        rows = overlap(self.y0, self.ny, ymin, ymax)
        return np.outer(rows, overlap(self.x0, self.nx, xmin, xmax))


def grid_counts(grid: Grid, x, y, weights=None) -> np.ndarray:
    """Events per cell as an (ny, nx) array; ``weights`` lets pre-aggregated rows count n."""
    ix, iy = grid.cell_of(x, y)
    flat = np.bincount(iy * grid.nx + ix, weights=weights, minlength=grid.size)
    return flat.reshape(grid.ny, grid.nx).astype(float)


def gi_star(
    counts: np.ndarray, mask: np.ndarray | None = None, cover: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values for every cell of a count grid.

    Weights: the cell and its eight neighbours (fewer at the edge of the grid). ``cover`` is
    the share of each cell's area inside the study area (a box's edge or a drawn polygon cuts
    cells); ``mask`` marks whole cells inside when no shares are given. Cells outside (share 0)
    neither count nor neighbour, and get z = 0, p = 1.

    A cut cell weighs by the area it covers: the neighbourhood's incidents are compared with
    the mean density times the neighbourhood's covered area, and the spread is the
    area-weighted variance of the cells' densities. With every cell whole this is the classic
    statistic exactly (the test compares it with esda). A grid with no variation has z = 0 and
    p = 1 everywhere.
    """
    c = np.asarray(counts, dtype=float)
    if cover is None:
        inside = np.ones(c.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        a = inside.astype(float)
    else:
        a = np.clip(np.asarray(cover, dtype=float), 0.0, 1.0)
        inside = a > 0
    c = np.where(inside, c, 0.0)
    n = int(inside.sum())
    if n < 3:
        return np.zeros_like(c), np.ones_like(c)
    stencil = np.ones((3, 3))
    local_sum = ndimage.convolve(c, stencil, mode="constant", cval=0.0)
    local_area = ndimage.convolve(a, stencil, mode="constant", cval=0.0)
    total_area = a.sum()
    mean = c.sum() / total_area  # incidents per whole cell of area
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (np.where(inside, (c - mean * a) ** 2 / np.where(inside, a, 1.0), 0.0)).sum()
    variance /= n - 1
    if variance <= 0 or mean == 0:
        return np.zeros_like(c), np.ones_like(c)
    spread = variance * local_area * (1.0 - local_area / total_area)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local_sum - mean * local_area) / np.sqrt(spread)
    z = np.where(np.isfinite(z) & inside, z, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, p


def significance(z: np.ndarray) -> np.ndarray:
    """-3..3: hot (positive) or cold (negative) spot at 95% (1), 99% (2) or 99.9% (3),
    each cell judged alone (no correction for the many cells tested)."""
    z = np.asarray(z, dtype=float)
    level = (
        (np.abs(z) >= Z_95).astype(np.int8)
        + (np.abs(z) >= Z_99).astype(np.int8)
        + (np.abs(z) >= Z_999).astype(np.int8)
    )
    return (np.sign(z).astype(np.int8) * level).astype(np.int8)


def fdr_threshold(p, q: float) -> float:
    """Benjamini-Hochberg step-up: the largest p-value p(k) with p(k) <= k q / m, every p-value
    at or below it being a discovery at false-discovery rate ``q``; 0.0 when there is none."""
    values = np.sort(np.asarray(p, dtype=float).ravel())
    m = len(values)
    if m == 0:
        return 0.0
    below = values <= q * np.arange(1, m + 1) / m
    if not below.any():
        return 0.0
    return float(values[np.nonzero(below)[0][-1]])


def fdr_significance(z, p, inside: np.ndarray | None = None) -> np.ndarray:
    """Like :func:`significance`, with each level (95, 99, 99.9%) a false-discovery rate (5, 1,
    0.1%) over the p-values of the cells ``inside`` the study area (all cells by default)."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    tested = np.ones(p.shape, dtype=bool) if inside is None else np.asarray(inside, dtype=bool)
    level = np.zeros(p.shape, dtype=np.int8)
    for q in FDR_RATES:
        threshold = fdr_threshold(p[tested], q)
        if threshold > 0:
            level += (tested & (p <= threshold)).astype(np.int8)
    return (np.sign(z).astype(np.int8) * level).astype(np.int8)


def kernel(distance, bandwidth: float, kind: str = QUARTIC) -> np.ndarray:
    """Kernel value per square metre at ``distance`` metres; integrates to 1 over the plane."""
    d = np.asarray(distance, dtype=float)
    h = float(bandwidth)
    if kind == GAUSSIAN:
        # Cut at four bandwidths, where less than 0.04% of the mass lies beyond.
        value = np.exp(-0.5 * (d / h) ** 2) / (2.0 * np.pi * h * h)
        return np.where(d <= GAUSSIAN_REACH * h, value, 0.0)
    u = d / h
    return np.where(u < 1.0, 3.0 / (np.pi * h * h) * (1.0 - u * u) ** 2, 0.0)


def reach(bandwidth: float, kind: str = QUARTIC) -> float:
    """Distance in metres beyond which the kernel is zero."""
    return float(bandwidth) * (GAUSSIAN_REACH if kind == GAUSSIAN else 1.0)


def kernel_density_points(
    grid: Grid, x, y, bandwidth: float, kind: str = QUARTIC
) -> tuple[np.ndarray, str]:
    """Kernel density from the points themselves: events per square kilometre at every cell
    centre, as an (ny, nx) array, and the estimator used (``"exact"`` or ``"binned"``).

    When the points times the cells within reach of each stay under ``EXACT_PAIRS``, every
    point's kernel is summed at every cell centre within reach (exact). Otherwise the points
    are spread by linear binning over a finer lattice whose spacing is at most 1/16 of the
    bandwidth and which has the cell centres among its nodes, and the lattice is convolved
    with the kernel by FFT; the test holds both within 1% of the point-by-point sum.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.zeros((grid.ny, grid.nx))
    if x.size == 0:
        return out, "exact"
    ix, iy = grid.cell_of(x, y)
    limit = reach(bandwidth, kind)
    r = min(int(np.floor(limit / grid.cell + 0.5)), max(grid.nx, grid.ny))
    k = np.arange(-r, r + 1)
    kx, ky = np.meshgrid(k, k)
    gap = np.hypot(np.maximum(np.abs(kx) - 0.5, 0), np.maximum(np.abs(ky) - 0.5, 0))
    offsets = list(zip(kx[gap * grid.cell <= limit], ky[gap * grid.cell <= limit], strict=True))
    if x.size * len(offsets) <= EXACT_PAIRS:
        flat = out.ravel()
        for dx, dy in offsets:
            cx, cy = ix + dx, iy + dy
            ok = (cx >= 0) & (cx < grid.nx) & (cy >= 0) & (cy < grid.ny)
            px = grid.x0 + (cx[ok] + 0.5) * grid.cell
            py = grid.y0 + (cy[ok] + 0.5) * grid.cell
            value = kernel(np.hypot(px - x[ok], py - y[ok]), bandwidth, kind)
            flat += np.bincount(cy[ok] * grid.nx + cx[ok], weights=value, minlength=grid.size)
        return out * 1e6, "exact"
    return _binned_density(grid, x, y, bandwidth, kind) * 1e6, "binned"


def _binned_density(grid: Grid, x, y, bandwidth: float, kind: str) -> np.ndarray:
    # An odd number m of lattice steps per cell puts a node on every cell centre.
    m = max(1, math.ceil(BIN_STEPS * grid.cell / bandwidth))
    while m > 1 and (m * grid.nx + 2) * (m * grid.ny + 2) > MAX_LATTICE:
        m -= 1
    m += 1 - m % 2
    step = grid.cell / m
    nx, ny = m * grid.nx + 2, m * grid.ny + 2  # one node of margin on each side
    u = np.clip((x - grid.x0) / step - 0.5, -1.0, m * grid.nx) + 1.0
    v = np.clip((y - grid.y0) / step - 0.5, -1.0, m * grid.ny) + 1.0
    i0 = np.minimum(np.floor(u).astype(np.int64), nx - 2)
    j0 = np.minimum(np.floor(v).astype(np.int64), ny - 2)
    fu, fv = u - i0, v - j0
    lattice = np.zeros(nx * ny)
    for di, dj, w in (
        (0, 0, (1 - fu) * (1 - fv)),
        (1, 0, fu * (1 - fv)),
        (0, 1, (1 - fu) * fv),
        (1, 1, fu * fv),
    ):
        lattice += np.bincount((j0 + dj) * nx + (i0 + di), weights=w, minlength=nx * ny)
    lattice = lattice.reshape(ny, nx)
    r = min(int(np.ceil(reach(bandwidth, kind) / step)), max(nx, ny))
    offsets = np.arange(-r, r + 1) * step
    dx, dy = np.meshgrid(offsets, offsets)
    stencil = kernel(np.hypot(dx, dy), bandwidth, kind)
    density = signal.fftconvolve(lattice, stencil, mode="same")
    centre = 1 + (m - 1) // 2
    sampled = density[centre : centre + m * grid.ny : m, centre : centre + m * grid.nx : m]
    return np.where(sampled < 1e-18, 0.0, sampled)


def kernel_density(
    counts: np.ndarray, cell: float, bandwidth: float, kind: str = QUARTIC
) -> np.ndarray:
    """Binned kernel density of counts taken at their cell centres: events per square
    kilometre at each cell centre (for counts that only exist per cell; the hotspot job
    estimates from the points with :func:`kernel_density_points`)."""
    y = np.asarray(counts, dtype=float)
    r = int(np.floor(reach(bandwidth, kind) / cell))
    offsets = np.arange(-r, r + 1) * cell
    dx, dy = np.meshgrid(offsets, offsets)
    stencil = kernel(np.hypot(dx, dy), bandwidth, kind) * 1e6
    if stencil.size <= 49:
        density = ndimage.convolve(y, stencil, mode="constant", cval=0.0)
    else:
        density = signal.fftconvolve(y, stencil, mode="same")
    density[density < 1e-12] = 0.0
    return density


@dataclass(frozen=True)
class FeedbackLoopCheck:
    """Whether each cell's significance rests on records that police activity found.

    ``classes_without``: the class of every cell when the police-found records are left out
    of the whole analysis (same grid, same test, same correction). ``flagged``: significant
    with them and not without (or with the opposite sign). ``share``: police-found share of
    the cell's own incidents and ``neighbourhood_share`` of the incidents its Gi* counts (the
    cell and its eight neighbours); NaN where there are none.
    """

    classes_without: np.ndarray
    flagged: np.ndarray
    share: np.ndarray
    neighbourhood_share: np.ndarray


def feedback_loop_check(
    counts: np.ndarray,
    police_counts: np.ndarray,
    classes: np.ndarray,
    cover: np.ndarray,
    *,
    fdr: bool,
) -> FeedbackLoopCheck:
    """Gi* recomputed on the counts without the police-found records, classed as ``classes``
    were (the FDR over the same cells when ``fdr``), and compared cell by cell."""
    counts = np.asarray(counts, dtype=float)
    police = np.asarray(police_counts, dtype=float)
    inside = np.asarray(cover, dtype=float) > 0
    z, p = gi_star(counts - police, cover=cover)
    without = fdr_significance(z, p, inside=inside) if fdr else significance(z)
    classes = np.asarray(classes)
    flagged = (classes != 0) & (np.sign(without) != np.sign(classes))
    stencil = np.ones((3, 3))
    local_police = ndimage.convolve(np.where(inside, police, 0.0), stencil, mode="constant")
    local_all = ndimage.convolve(np.where(inside, counts, 0.0), stencil, mode="constant")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(counts > 0, police / counts, np.nan)
        neighbourhood = np.where(local_all > 0, local_police / local_all, np.nan)
    return FeedbackLoopCheck(
        classes_without=without.astype(np.int8),
        flagged=flagged,
        share=share,
        neighbourhood_share=neighbourhood,
    )
