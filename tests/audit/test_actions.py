"""``@action``: the one way a service is written (``audit.actions``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from audit.models import AuditEvent
from intelligence.models import Entity
from tests.intelligence.helpers import as_user, make_entity

pytestmark = pytest.mark.django_db


@action("intelligence.add_entity")
def _rename(entity, *, actor, name):
    entity.name = name
    entity.save(update_fields=["name"])
    audit.record(Action.UPDATE, obj=entity)
    return entity


@action("intelligence.add_entity")
def _move(entity, *, actor, compartment):
    entity.compartment = compartment
    entity.save(update_fields=["compartment"])
    return entity


@action()
def _refuse(entity, *, actor):
    audit.record_denied(object_type="intelligence.entity", object_id=entity.pk, reason="test")
    raise ValidationError({"entity": ["Refused."]})


def test_the_role_is_checked_before_anything_is_read_or_written(world):
    entity = make_entity(world, world.general, name="Alan Smith")
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied), as_user(world.officer):
        _rename(entity, actor=world.officer, name="Changed")
    assert Entity.objects.get(pk=entity.pk).name == "Alan Smith"
    assert AuditEvent.objects.count() == before


def test_the_change_and_its_event_are_one_transaction(world):
    entity = make_entity(world, world.general, name="Alan Smith")
    with as_user(world.analyst):
        _rename(entity, actor=world.analyst, name="Alan Smyth")
    assert Entity.objects.get(pk=entity.pk).name == "Alan Smyth"
    assert AuditEvent.objects.filter(action="update", object_id=str(entity.pk)).exists()


def test_a_record_left_outside_its_authors_reach_rolls_everything_back(world):
    entity = make_entity(world, world.general, name="Alan Smith")
    with pytest.raises(PermissionDenied, match="nothing was saved"), as_user(world.analyst2):
        _move(entity, actor=world.analyst2, compartment=world.restricted)
    assert Entity.objects.get(pk=entity.pk).compartment == world.general


def test_a_refusal_recorded_inside_a_failed_action_survives_its_rollback(world):
    entity = make_entity(world, world.general, name="Alan Smith")
    with pytest.raises(ValidationError), as_user(world.analyst):
        _refuse(entity, actor=world.analyst)
    denied = AuditEvent.objects.filter(action="denied", object_id=str(entity.pk))
    assert denied.count() == 1


def test_nested_actions_keep_a_refusal_once_when_both_fail(world):
    entity = make_entity(world, world.general, name="Alan Smith")

    @action()
    def outer(*, actor):
        _refuse(entity, actor=actor)

    with pytest.raises(ValidationError), as_user(world.analyst):
        outer(actor=world.analyst)
    assert AuditEvent.objects.filter(action="denied", object_id=str(entity.pk)).count() == 1
