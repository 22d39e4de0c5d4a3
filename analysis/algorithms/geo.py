"""Local metric projection and point-in-polygon tests, vectorised with numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = np.pi * EARTH_RADIUS_M / 180.0


@dataclass(frozen=True)
class LocalPlane:
    """An equirectangular plane centred on (lat0, lon0): metres east and north of the origin.

    Accurate to well under 1% across a city or a county (tens of kilometres), which is the
    scale hotspot and near-repeat analysis work at.
    """

    lat0: float
    lon0: float

    @property
    def _kx(self) -> float:
        return METRES_PER_DEGREE * float(np.cos(np.radians(self.lat0)))

    def to_xy(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        return (lon - self.lon0) * self._kx, (lat - self.lat0) * METRES_PER_DEGREE

    def to_latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return self.lat0 + y / METRES_PER_DEGREE, self.lon0 + x / self._kx


def points_in_polygon(lon, lat, rings) -> np.ndarray:
    """Boolean mask of the points inside a GeoJSON polygon (outer ring and holes).

    Even-odd ray casting over every ring at once, so a point inside a hole is outside. Points
    exactly on an edge may fall either way, as in every ray-casting test.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    inside = np.zeros(x.shape, dtype=bool)
    for ring in rings:
        ring = np.asarray(ring, dtype=float)
        if len(ring) < 3:
            continue
        xs, ys = ring[:, 0], ring[:, 1]
        xe, ye = np.roll(xs, -1), np.roll(ys, -1)
        for x1, y1, x2, y2 in zip(xs, ys, xe, ye, strict=True):
            if y1 == y2:
                continue
            crosses = (y1 > y) != (y2 > y)
            x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (x < x_at)
    return inside


def ring_bbox(rings) -> tuple[float, float, float, float]:
    """[min_lon, min_lat, max_lon, max_lat] of a polygon's rings."""
    coords = np.concatenate([np.asarray(r, dtype=float) for r in rings])
    return (
        float(coords[:, 0].min()),
        float(coords[:, 1].min()),
        float(coords[:, 0].max()),
        float(coords[:, 1].max()),
    )


def _oriented(rings) -> list[np.ndarray]:
    """The rings as float arrays, the first counter-clockwise and the others (holes)
    clockwise, so that a boundary integral counts holes out."""
    out = []
    for k, ring in enumerate(rings):
        ring = np.asarray(ring, dtype=float)[:, :2]
        signed = 0.5 * np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
        if (signed < 0) == (k == 0):
            ring = ring[::-1]
        out.append(ring)
    return out


def _band_integral(t):
    """Antiderivative of clamp(t, 0, 1): what a unit-high row holds below height t."""
    return np.where(t <= 0, 0.0, np.where(t < 1, 0.5 * t * t, t - 0.5))


# Edge pieces whose row integrals are evaluated at once (pieces x rows floats).
PIECES_PER_BATCH = 2_000


def polygon_cell_cover(rings, x0: float, y0: float, cell: float, nx: int, ny: int) -> np.ndarray:
    """Exact share of each cell of a regular grid inside a polygon (outer ring and holes).

    ``rings`` hold (x, y) positions on the same plane as the grid (origin ``x0``, ``y0``, square
    cells of side ``cell``, ``nx`` columns and ``ny`` rows). The area of the polygon within a
    cell is the boundary integral of the height it reaches into the cell's row, taken over the
    part of each edge above the cell's column (Green's theorem), so the cost grows with the
    length of the boundary in cells, not with the number of cells.
    """
    pieces: list[tuple[int, float, float, float, float]] = []
    for ring in _oriented(rings):
        px = (ring[:, 0] - x0) / cell
        py = (ring[:, 1] - y0) / cell
        for xa, ya, xb, yb in zip(px[:-1], py[:-1], px[1:], py[1:], strict=True):
            if xa == xb:
                continue
            low, high = min(xa, xb), max(xa, xb)
            cuts = np.arange(np.floor(low) + 1, np.ceil(high))
            xs = np.concatenate([[xa], cuts if xb > xa else cuts[::-1], [xb]])
            ys = ya + (xs - xa) * (yb - ya) / (xb - xa)
            for k in range(len(xs) - 1):
                column = int(np.floor(0.5 * (xs[k] + xs[k + 1])))
                if 0 <= column < nx:
                    pieces.append((column, xs[k], xs[k + 1], ys[k], ys[k + 1]))
    cover = np.zeros((ny, nx))
    if not pieces:
        return cover
    rows = np.arange(ny, dtype=float)
    data = np.array(pieces)
    for start in range(0, len(data), PIECES_PER_BATCH):
        batch = data[start : start + PIECES_PER_BATCH]
        column = batch[:, 0].astype(np.int64)
        xa, xb, ya, yb = (batch[:, k][:, None] for k in range(1, 5))
        ta, tb = ya - rows, yb - rows
        rise = tb - ta
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_height = np.where(
                np.abs(rise) > 1e-12,
                (_band_integral(tb) - _band_integral(ta)) / rise,
                np.clip(ta, 0.0, 1.0),
            )
        np.add.at(cover.T, column, -(xb - xa) * mean_height)
    return np.clip(cover, 0.0, 1.0)


def clip_ring(ring, xmin: float, ymin: float, xmax: float, ymax: float) -> list[list[float]]:
    """A closed ring clipped to a box (Sutherland-Hodgman); ``[]`` when nothing is left.

    A ring that leaves the box and comes back keeps a zero-width seam along the box's edge,
    which draws as nothing.
    """
    points = [tuple(p[:2]) for p in ring[:-1]] if len(ring) > 1 else []
    for axis, bound, keep_above in (
        (0, xmin, True),
        (0, xmax, False),
        (1, ymin, True),
        (1, ymax, False),
    ):

        def inside(p, axis=axis, bound=bound, keep_above=keep_above):
            return p[axis] >= bound if keep_above else p[axis] <= bound

        def cross(p, q, axis=axis, bound=bound):
            t = (bound - p[axis]) / (q[axis] - p[axis])
            other = p[1 - axis] + t * (q[1 - axis] - p[1 - axis])
            return (bound, other) if axis == 0 else (other, bound)

        out = []
        for k, q in enumerate(points):
            p = points[k - 1]
            if inside(q):
                if not inside(p):
                    out.append(cross(p, q))
                out.append(q)
            elif inside(p):
                out.append(cross(p, q))
        points = out
        if not points:
            return []
    if len(points) < 3:
        return []
    return [[float(a), float(b)] for a, b in points] + [[float(points[0][0]), float(points[0][1])]]
