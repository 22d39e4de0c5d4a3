"""The Knox test at the benchmark's scale L shape, with numpy alone and with the compiled
kernel: synthetic events drawn as ``benchmarks/generate.py`` draws incidents (40 hot spots, six
in ten events tight around one, the rest spread), over the near-repeat case's window (92 days),
with the job's default bands and 99 shuffles. Prints each run and the medians; both paths must
give the same table.

    .venv/bin/python -m benchmarks.near_repeat_kernel [--events 62816] [--runs 5] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from analysis.algorithms import near_repeat

CENTRE = (51.4545, -2.5879)
DISTANCES = [100, 200, 300, 400]
TIMES = [7, 14, 21, 28]
WINDOW_DAYS = 92  # 2026-10-01 to 2026-12-31, the benchmark's near-repeat window


def events(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    hotspots = rng.normal(0, 1, size=(40, 2)) * (0.03, 0.05) + CENTRE
    centre = hotspots[rng.integers(0, len(hotspots), n)]
    spread = np.where(rng.random(n) < 0.6, 0.004, 0.04)[:, None]
    points = centre + rng.normal(0, 1, (n, 2)) * spread
    lat, lon = points[:, 0], points[:, 1]
    y = (lat - lat.mean()) * 111_320.0
    x = (lon - lon.mean()) * 111_320.0 * np.cos(np.radians(lat.mean()))
    return x, y, rng.uniform(0, WINDOW_DAYS, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=62_816)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, help="threads of the compiled kernel (default: up to 4)"
    )
    args = parser.parse_args()
    if args.threads and near_repeat._kernel is not None:
        setattr(near_repeat._kernel, "MAX_THREADS", args.threads)  # noqa: B010
    x, y, t = events(args.events)
    if near_repeat._kernel is not None:
        started = time.perf_counter()
        near_repeat._kernel.warm_up()
        print(f"warm-up (compile or load from cache): {time.perf_counter() - started:.2f} s")
    paths = [False, True] if near_repeat._kernel is not None else [False]
    seconds: dict[bool, list[float]] = {path: [] for path in paths}
    tables = {}
    for run in range(args.runs):
        for path in paths if run % 2 == 0 else paths[::-1]:
            near_repeat.COMPILED = path
            started = time.perf_counter()
            result = near_repeat.knox(x, y, t, DISTANCES, TIMES, iterations=99, seed=0)
            seconds[path].append(time.perf_counter() - started)
            tables[path] = (result.observed, result.expected, result.p_values)
            load = os.getloadavg()[0]
            name = "compiled" if path else "numpy"
            print(f"run {run + 1} {name}: {seconds[path][-1]:.2f} s (load {load:.2f})")
    print(f"{args.events:,} events, {result.observed[:-1].sum():,.0f} pairs within reach")
    for path in paths:
        name = "compiled" if path else "numpy"
        print(f"median {name}: {statistics.median(seconds[path]):.2f} s")
    if len(paths) == 2:
        same = all(np.array_equal(a, b) for a, b in zip(tables[False], tables[True], strict=True))
        print("same table:", same)


if __name__ == "__main__":
    main()
