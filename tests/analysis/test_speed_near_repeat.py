"""The near-repeat job's map at its limit: built without a Python loop over coordinates, and
when the map cannot show every incident, the incidents with a near repeat come first."""

import datetime as dt
import random

import pytest
from django.utils import timezone

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
