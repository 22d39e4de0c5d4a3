"""Row 7 of the benchmarks (partner exchange) at a small size: it measures what it says, in
rounds, and leaves the database as it was (timings are not asserted)."""

from __future__ import annotations

import pytest
from django.db import connection

from benchmarks import exchange
from exchange.models import ReceivedPackage
from intelligence.models import Entity, Report

pytestmark = pytest.mark.django_db


class _Log:
    def __init__(self):
        self.lines: list[str] = []

    def log(self, message):
        self.lines.append(message)


def test_the_exchange_row_takes_the_median_of_its_rounds_and_keeps_nothing(monkeypatch):
    monkeypatch.setattr(exchange, "REPORTS", 40)
    monkeypatch.setattr(exchange, "ENTITIES", 20)
    monkeypatch.setattr(exchange, "LINKS", 20)
    monkeypatch.setattr(exchange, "ROUNDS", 3)
    reports, entities, received = (
        Report.objects.count(),
        Entity.objects.count(),
        ReceivedPackage.objects.count(),
    )

    build, take_in = exchange.measure_exchange(_Log())

    values = take_in.values
    assert values["rounds"] == 3
    assert len(values["reads_s"]) == len(values["builds_s"]) == len(values["imports_s"]) == 3
    # Each figure is the median of its rounds.
    assert values["reference_s"] == sorted(values["reads_s"])[1]
    assert values["build_s"] == sorted(values["builds_s"])[1]
    assert values["import_s"] == sorted(values["imports_s"])[1]
    assert build.ratio == pytest.approx(values["build_s"] / values["reference_s"])
    assert take_in.ratio == pytest.approx(values["import_s"] / values["reference_s"])
    # What was read and taken in: 40 reports, two mentions each, 20 entities (10 with an
    # identifier), 20 links on two reports each.
    assert values["rows"] == 40 + 80 + 20 + 10 + 20 + 40
    assert (values["imported"], values["entities"], values["links"]) == (40, 20, 20)
    assert "median of 3 rounds" in build.note and "median of 3 rounds" in take_in.note
    if connection.vendor == "postgresql":
        # The commit's key checks are run, timed and counted in.
        assert 0 < values["import_key_checks_s"] < values["import_s"]
        assert "foreign-key checks" in take_in.note
    else:
        assert values["import_key_checks_s"] == 0
    # Rolled back: nothing of the run is kept.
    assert Report.objects.count() == reports
    assert Entity.objects.count() == entities
    assert ReceivedPackage.objects.count() == received
