"""Building tasking records the way the platform does: through the services."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from analysis.models import Product
from audit import services as audit
from ilp_platform.accounts.models import User
from ilp_platform.core import context
from tasking import services

MORILE_INPUTS = {
    "physical": 4,
    "psychological": 3,
    "financial": 2,
    "community": 3,
    "geographic_scope": 1,
    "victim_vulnerability": 4,
    "likelihood": 4,
    "capacity": 4,
    "capability": 2,
    "confidence": 2,
}
_counter = itertools.count(1)


def as_user(user):
    return context.acting(user=user, justification="test setup")


def second_manager(world) -> User:
    """Another manager, so one can approve what the other proposed."""
    user = User.objects.create_user("manager2", password="x-" * 10)
    user.groups.add(*world.manager.groups.all())
    from guardian.shortcuts import assign_perm

    with audit.service_scope():
        assign_perm("view_compartment", user, world.general)
    return user


def make_meeting(world, compartment=None, *, kind="tactical", when=None, title=None, open_=False):
    compartment = compartment or world.general
    with as_user(world.manager):
        meeting = services.create_meeting(
            actor=world.manager,
            data={
                "kind": kind,
                "title": title or f"Tactical T&CG {next(_counter)}",
                "scheduled_for": when or timezone.now(),
                "chair": world.manager,
                "compartment": compartment,
            },
            attendees=[world.manager, world.analyst],
        )
        if open_:
            services.open_meeting(meeting, actor=world.manager)
    return meeting


def make_priority(world, compartment=None, *, proposer=None, scored=True, title="Burglary"):
    proposer = proposer or world.analyst
    with as_user(proposer):
        return services.propose_priority(
            actor=proposer,
            data={
                "title": title,
                "subject_kind": "theme",
                "subject_label": title,
                "compartment": compartment or world.general,
                "enforcement_plan": "Target prolific offenders.",
            },
            matrix="morile" if scored else None,
            inputs=dict(MORILE_INPUTS) if scored else None,
        )


def _days_pass(obj, due_in_days: int):
    """A deadline set in the past: set today, then the days pass (a deadline cannot be set in
    the past)."""
    if due_in_days < 0:
        due = timezone.localdate() + timedelta(days=due_in_days)
        type(obj).objects.filter(pk=obj.pk).update(due_date=due)
        obj.due_date = due
    return obj


def make_requirement(world, priority, compartment=None, *, due_in_days=14, meeting=None):
    with as_user(world.manager):
        requirement = services.raise_requirement(
            actor=world.manager,
            data={
                "question": f"Who is fencing the stolen goods? {next(_counter)}",
                "priority": priority,
                "due_date": timezone.localdate() + timedelta(days=max(0, due_in_days)),
                "assigned_to": world.analyst,
                "compartment": compartment or priority.compartment,
            },
            meeting=meeting,
        )
    return _days_pass(requirement, due_in_days)


def make_tasking(world, priority, compartment=None, *, owner=None, due_in_days=7, meeting=None):
    with as_user(world.manager):
        tasking = services.create_tasking(
            actor=world.manager,
            data={
                "title": f"Visit the hotspot {next(_counter)}",
                "priority": priority,
                "owner_user": owner or world.officer,
                "due_date": timezone.localdate() + timedelta(days=max(0, due_in_days)),
                "compartment": compartment or priority.compartment,
            },
            meeting=meeting,
        )
    return _days_pass(tasking, due_in_days)


def make_product(world, compartment=None, *, submitted_at=None, title="Burglary problem profile"):
    with audit.service_scope():
        return Product.objects.create(
            reference=f"PRD-T-{next(_counter):04d}",
            kind="problem_profile",
            title=title,
            compartment=compartment or world.general,
            author=world.analyst,
            status="in_review" if submitted_at else "draft",
            submitted_at=submitted_at,
        )
