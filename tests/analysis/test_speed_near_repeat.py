"""The near-repeat job's map at its limit: built without a Python loop over coordinates, and
when the map cannot show every incident, the incidents with a near repeat come first; the
marks come from the Knox test's own closest pairs."""

import datetime as dt
import gc
import random

import numpy as np
import pytest
from django.utils import timezone

from analysis.algorithms.geo import LocalPlane
from analysis.kinds import near_repeat as kind


@pytest.mark.django_db
def test_past_the_map_limit_every_incident_with_a_near_repeat_is_on_the_map(
    world, job_incidents, job_run, monkeypatch
):
    rng = random.Random(8)
    base = timezone.now() - dt.timedelta(days=200)
    # 60 scattered incidents first, then 10 pairs a few metres and a day apart: in the order
    # read, the pairs come last.
    points = [
        {
            "lat": 51.45 + rng.uniform(-0.03, 0.03),
            "lon": -2.59 + rng.uniform(-0.045, 0.045),
            "at": base + dt.timedelta(days=rng.uniform(0, 180)),
        }
        for _ in range(60)
    ]
    for k in range(10):
        lat, lon = 51.40 + 0.01 * k, -2.70
        at = base + dt.timedelta(days=10 * k)
        points += [
            {"lat": lat, "lon": lon, "at": at},
            {"lat": lat + 0.0001, "lon": lon, "at": at + dt.timedelta(days=1)},
        ]
    job_incidents(points)
    monkeypatch.setattr(kind, "MAX_FEATURES", 25)
    job = job_run(world.analyst, "near_repeat", {"iterations": 9})
    assert job.status == "succeeded", job.message
    features = job.result["geojson"]["features"]
    assert len(features) == 25
    flagged = [f for f in features if f["properties"]["near_repeat"]]
    assert len(flagged) == job.result["summary"]["events_with_near_repeat"] >= 20
    # Near-repeat incidents first, then others up to the limit.
    assert [f["properties"]["near_repeat"] for f in features] == [True] * len(flagged) + [False] * (
        25 - len(flagged)
    )
    planted = [f for f in flagged if f["geometry"]["coordinates"][0] == -2.7]
    assert len(planted) == 20  # every planted pair, though read last
    assert all(isinstance(c, float) for f in features for c in f["geometry"]["coordinates"])


@pytest.mark.django_db
def test_the_map_marks_every_incident_with_another_within_the_closest_bands(
    world, job_incidents, job_run
):
    """The marks come from the Knox test's own closest pairs: an incident is marked when
    another lies within the first distance band and the first time band (times to the
    second, not whole days), as comparing every pair finds."""
    rng = random.Random(9)
    base = timezone.now() - dt.timedelta(days=120)
    points = [
        {
            "lat": 51.45 + rng.uniform(-0.004, 0.004),
            "lon": -2.59 + rng.uniform(-0.006, 0.006),
            "at": base + dt.timedelta(days=rng.uniform(0, 60)),
        }
        for _ in range(120)
    ]
    job_incidents(points)
    job = job_run(world.analyst, "near_repeat", {"iterations": 9, "distance_bands": [150, 400]})
    assert job.status == "succeeded", job.message
    lat = np.array([p["lat"] for p in points])
    lon = np.array([p["lon"] for p in points])
    days = np.array([p["at"].timestamp() / 86400.0 for p in points])
    x, y = LocalPlane(lat0=float(np.mean(lat)), lon0=float(np.mean(lon))).to_xy(lat, lon)
    first, second = np.triu_indices(len(points), k=1)
    close = (x[first] - x[second]) ** 2 + (y[first] - y[second]) ** 2 <= 150.0**2
    soon = np.abs(days[first] - days[second]) <= 7
    marked = set(first[close & soon].tolist()) | set(second[close & soon].tolist())
    expected = {(round(lon[k], 6), round(lat[k], 6)) for k in marked}
    features = job.result["geojson"]["features"]
    shown = {
        tuple(f["geometry"]["coordinates"]) for f in features if f["properties"]["near_repeat"]
    }
    assert shown == expected
    assert 10 < job.result["summary"]["events_with_near_repeat"] == len(marked) < 120
    assert gc.isenabled()


def test_the_garbage_collector_is_left_as_it_was_after_the_map_is_built():
    assert gc.isenabled()
    with kind._collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), kind._collector_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with kind._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
