"""A reader's restriction is built once per reader object and reused; it never goes stale.

``visible_to`` on a queryset straight from a manager keeps what it built on the reader object
(``ilp_platform.core.querysets._remembered``). These tests change, on the same object, every
kind of thing a restriction depends on, and check that what it answers follows.
"""

import copy
import pickle

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm

from intelligence.models import Report
from tests.intelligence.helpers import make_report

pytestmark = pytest.mark.django_db


def _visible(user):
    return set(Report.objects.visible_to(user).values_list("pk", flat=True))


def test_a_kept_restriction_is_reused_and_gives_what_a_fresh_one_gives(world):
    general = make_report(world, world.general)
    restricted = make_report(world, world.restricted)
    first = Report.objects.visible_to(world.analyst)
    second = Report.objects.visible_to(world.analyst)
    assert first is not second and first.query is not second.query
    assert str(first.query) == str(second.query)
    fresh = Report.objects.filter(pk__in=[general.pk, restricted.pk])
    assert set(fresh.visible_to(world.analyst).values_list("pk", flat=True)) == _visible(
        world.analyst
    )
    assert _visible(world.analyst) >= {general.pk, restricted.pk}
    assert restricted.pk not in _visible(world.analyst2)


def test_grants_given_and_taken_show_at_once_on_the_same_reader_object(world):
    report = make_report(world, world.restricted)
    reader = world.analyst2
    assert report.pk not in _visible(reader)
    assign_perm("view_compartment", reader, world.restricted)
    assert report.pk in _visible(reader)
    remove_perm("view_compartment", reader, world.restricted)
    assert report.pk not in _visible(reader)
    group = Group.objects.create(name="restricted readers")
    assign_perm("view_compartment", group, world.restricted)
    reader.groups.add(group)
    assert report.pk in _visible(reader)


def test_a_reader_switched_off_on_the_same_object_sees_nothing(world):
    make_report(world, world.general)
    reader = world.analyst
    assert _visible(reader)
    reader.is_active = False
    assert _visible(reader) == set()
    reader.is_active = True
    assert _visible(reader)


def test_a_role_change_shows_once_django_reads_the_permissions_again(world):
    """Officers see only the reports they submitted; analysts every report in their
    compartments. The permissions are Django's, cached on the object: when that cache is
    dropped (as Django's documentation says to), the restriction is built again."""
    theirs = make_report(world, world.general, submitter=world.handler)
    reader = world.officer
    assert theirs.pk not in _visible(reader)
    reader.groups.add(Group.objects.get(name="analyst"))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        reader.__dict__.pop(cache, None)
    assert theirs.pk in _visible(reader)


def test_a_field_of_the_reader_that_a_rule_reads_rebuilds_the_restriction(world):
    """Officers see the taskings of their unit: moving the same object to another unit moves
    what it sees."""
    from ilp_platform.accounts.models import Unit
    from tasking.models import Tasking

    reader = world.officer
    Tasking.objects.visible_to(reader)
    unit = Unit.objects.create(name="Burglary desk", code="burglary-desk")
    reader.unit_id = unit.pk
    sql = str(Tasking.objects.visible_to(reader).query)
    assert f'"owner_unit_id" = {unit.pk}' in sql


def test_copies_and_pickles_of_the_reader_carry_no_kept_querysets(world):
    Report.objects.visible_to(world.analyst)
    assert world.analyst.__dict__["_ilp_restricted_querysets"]
    pickled = pickle.loads(pickle.dumps(world.analyst))
    assert not pickled.__dict__.get("_ilp_restricted_querysets")
    assert not copy.deepcopy(world.analyst).__dict__.get("_ilp_restricted_querysets")


def test_a_filtered_or_related_queryset_is_restricted_afresh(world):
    report = make_report(world, world.restricted)
    assert not Report.objects.filter(pk=report.pk).visible_to(world.analyst2).exists()
    assert Report.objects.filter(pk=report.pk).visible_to(world.analyst).exists()
    assert not Report.objects.all().filter(pk=report.pk).visible_to(world.analyst2).exists()
