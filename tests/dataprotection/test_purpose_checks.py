"""Purpose checks among the anomalies: consultations citing a closed purpose, consultations
outside what the cited purpose covers (another compartment, another area), and free-text
justifications above the set share per person."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit import anomalies
from audit import services as audit
from audit.choices import Action
from audit.models import Anomaly
from dataprotection import purpose_checks
from ilp_platform.core import context
from operations.services import close_operation
from tests.intelligence.helpers import as_user, make_incident, make_report
from tests.security.matrix import FACTORIES

pytestmark = pytest.mark.django_db


def _consult(user, obj, purpose="", justification="for the operation", times=1):
    with context.acting(user=user, justification=justification, purpose=purpose):
        for _ in range(times):
            audit.consultation(Action.VIEW, obj=obj)


def _flags(kind):
    return {a.actor_username: a for a in Anomaly.objects.filter(kind=kind)}


def test_a_consultation_citing_a_closed_operation_is_flagged_with_the_reason(world):
    operation = FACTORIES["operation"](world, world.general)
    report = make_report(world, world.general)
    with as_user(world.analyst):
        close_operation(operation, actor=world.analyst)
    _consult(world.analyst2, report, f"operation:{operation.pk}")
    _consult(world.manager, report, "")  # no purpose named: nothing to check
    assert anomalies.detect() >= 1
    flags = _flags(Anomaly.Kind.CLOSED_PURPOSE)
    assert set(flags) == {"analyst2"}
    assert f"operation:{operation.pk}" in flags["analyst2"].summary


def test_consultations_outside_the_purpose_compartment_or_area_are_flagged(world):
    from analysis.services.jobs import request_job
    from operations.services import gather

    operation = FACTORIES["operation"](world, world.general)
    with as_user(world.analyst):
        job = request_job(
            actor=world.analyst,
            kind="temporal",
            params={"compartments": ["general"], "bbox": [-2.60, 51.44, -2.57, 51.47]},
        )
        gather(operation, actor=world.analyst, kind="jobs", records=[job])
    inside = make_incident(
        world, world.general, reference="INC-IN", latitude=51.45, longitude=-2.59
    )
    far = make_incident(world, world.general, reference="INC-FAR", latitude=53.4, longitude=-2.2)
    purpose = f"operation:{operation.pk}"
    _consult(world.analyst, make_report(world, world.restricted), purpose)
    _consult(world.manager, far, purpose)
    _consult(world.analyst2, inside, purpose)
    anomalies.detect()
    flags = _flags(Anomaly.Kind.OUTSIDE_PURPOSE)
    assert set(flags) == {"analyst", "manager"}
    assert "another compartment than the purpose's" in flags["analyst"].summary
    assert "outside the purpose's area" in flags["manager"].summary


def test_free_text_justifications_above_the_share_are_flagged(world, settings):
    operation = FACTORIES["operation"](world, world.general)
    report = make_report(world, world.general)
    n = purpose_checks.FREE_TEXT_MINIMUM
    _consult(world.analyst, report, times=n)  # all free text
    _consult(world.manager, report, times=n // 2)
    _consult(world.manager, report, f"operation:{operation.pk}", times=n)
    anomalies.detect()
    flags = _flags(Anomaly.Kind.FREE_TEXT)
    assert set(flags) == {"analyst"}
    assert "above the set share of 50%" in flags["analyst"].summary
    settings.ANOMALY_FREE_TEXT_SHARE = 0.2
    anomalies.detect()
    assert set(_flags(Anomaly.Kind.FREE_TEXT)) == {"analyst", "manager"}
    settings.ANOMALY_FREE_TEXT_SHARE = "lots"
    with pytest.raises(ImproperlyConfigured, match="ANOMALY_FREE_TEXT_SHARE"):
        purpose_checks.free_text_share()
