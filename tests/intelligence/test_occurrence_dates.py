"""What a report describes has happened: an occurrence time in the future is refused, naming
the field; a few minutes ahead (another device's clock) is accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from intelligence.models import Report
from intelligence.services.reports import create_report
from tests.intelligence.helpers import GRADING_3X5X2, as_user


def _data(world, **times):
    return {
        **GRADING_3X5X2,
        "compartment": world.general,
        "text": "Seen at the Red Lion.",
        **times,
    }


@pytest.mark.parametrize(
    "field, times",
    [
        ("occurred_at", {"occurred_at": timedelta(days=5 * 365)}),
        ("occurred_from", {"occurred_from": timedelta(hours=2), "occurred_to": timedelta(hours=3)}),
        ("occurred_to", {"occurred_from": timedelta(hours=-3), "occurred_to": timedelta(days=1)}),
    ],
)
def test_an_occurrence_in_the_future_is_refused_naming_its_field(world, field, times):
    now = timezone.now()
    data = _data(world, **{name: now + offset for name, offset in times.items()})
    with as_user(world.officer), pytest.raises(ValidationError) as refused:
        create_report(actor=world.officer, data=data, submit=True)
    assert field in refused.value.message_dict
    assert "in the future" in refused.value.message_dict[field][0]
    assert not Report.objects.exists()


def test_a_time_a_few_minutes_ahead_and_one_in_the_past_are_accepted(world):
    now = timezone.now()
    with as_user(world.officer):
        ahead = create_report(
            actor=world.officer, data=_data(world, occurred_at=now + timedelta(minutes=3))
        )
        past = create_report(
            actor=world.officer, data=_data(world, occurred_at=now - timedelta(days=30))
        )
    assert ahead.pk and past.pk
