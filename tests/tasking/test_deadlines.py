"""A deadline set or changed must not lie in the past; one kept unchanged may, once overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tasking import services
from tasking.models import Requirement, Tasking
from tests.intelligence.helpers import as_user
from tests.tasking.helpers import make_priority, make_requirement, make_tasking

YESTERDAY = -1


def _tasking_data(world, priority, due):
    return {
        "title": "Visit the hotspot",
        "priority": priority,
        "owner_user": world.officer,
        "due_date": due,
        "compartment": priority.compartment,
    }


def test_a_tasking_due_yesterday_is_refused_naming_the_deadline(world):
    priority = make_priority(world)
    yesterday = timezone.localdate() - timedelta(days=1)
    with as_user(world.manager), pytest.raises(ValidationError) as refused:
        services.create_tasking(actor=world.manager, data=_tasking_data(world, priority, yesterday))
    assert list(refused.value.message_dict) == ["due_date"]
    assert f"{yesterday:%d/%m/%Y}" in refused.value.message_dict["due_date"][0]  # English
    assert not Tasking.objects.exists()
    with as_user(world.manager):
        today = services.create_tasking(
            actor=world.manager, data=_tasking_data(world, priority, timezone.localdate())
        )
    assert today.due_date == timezone.localdate()


def test_an_overdue_tasking_keeps_its_deadline_through_an_edit_but_not_a_new_past_one(world):
    tasking = make_tasking(world, make_priority(world), due_in_days=-5)
    with as_user(world.manager):
        services.update_tasking(tasking, actor=world.manager, data={"title": "Visit again"})
    tasking.refresh_from_db()
    assert tasking.title == "Visit again"
    assert tasking.due_date == timezone.localdate() - timedelta(days=5)
    with as_user(world.manager), pytest.raises(ValidationError) as refused:
        services.update_tasking(
            tasking,
            actor=world.manager,
            data={"due_date": timezone.localdate() - timedelta(days=2)},
        )
    assert "due_date" in refused.value.message_dict
    tasking.refresh_from_db()
    assert tasking.due_date == timezone.localdate() - timedelta(days=5)


def test_a_requirement_answer_needed_in_the_past_is_refused(world):
    priority = make_priority(world)
    with as_user(world.manager), pytest.raises(ValidationError) as refused:
        services.raise_requirement(
            actor=world.manager,
            data={
                "question": "Who fences the goods?",
                "priority": priority,
                "due_date": timezone.localdate() - timedelta(days=1),
                "assigned_to": world.analyst,
                "compartment": priority.compartment,
            },
        )
    assert list(refused.value.message_dict) == ["due_date"]
    assert not Requirement.objects.exists()
    overdue = make_requirement(world, priority, due_in_days=YESTERDAY)
    with as_user(world.manager):
        services.update_requirement(overdue, actor=world.manager, data={"question": "Who?"})
    overdue.refresh_from_db()
    assert overdue.question == "Who?"
