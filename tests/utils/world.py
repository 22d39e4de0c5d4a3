"""The people and compartments every access test uses, built the way the demo seed builds them.

- compartment ``general``: every role but oversight;
- compartment ``restricted``: ``analyst``, ``manager``, ``handler`` only (not ``analyst2``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from ilp_platform.accounts.models import Compartment, User
from ilp_platform.accounts.seed import seed_accounts

PASSWORD = "correct-horse-battery-staple"


class _Command:
    demo_password = PASSWORD
    password_given = True
    stdout = io.StringIO()


@dataclass
class World:
    general: Compartment
    restricted: Compartment
    officer: User
    analyst: User
    analyst2: User
    manager: User
    handler: User
    oversight: User
    admin: User

    def user(self, name: str) -> User:
        return getattr(self, name)


NAMES = ("officer", "analyst", "analyst2", "manager", "handler", "oversight", "admin")
# What the seed grants: the five roles' groups hold ``general``; three people hold
# ``restricted`` of their own.
GROUP_GRANTS, USER_GRANTS = 5, 3


def _as_seeded() -> World | None:
    """The world as the seed leaves it, read in four queries, or None where any part of it is
    missing (a transactional test emptied the tables, or a test took a part away)."""
    from django.contrib.auth.models import Group

    from ilp_platform.accounts.models import CompartmentGroupObjectPermission as ByGroup
    from ilp_platform.accounts.models import CompartmentUserObjectPermission as ByUser

    users = {u.username: u for u in User.objects.filter(username__in=NAMES)}
    compartments = {
        c.slug: c for c in Compartment.objects.filter(slug__in=("general", "restricted"))
    }
    if len(users) < len(NAMES) or len(compartments) < 2:
        return None
    members = Group.user_set.through.objects.filter(user__in=users.values()).count()
    grants = ByGroup.objects.filter(content_object=compartments["general"]).count()
    grants += ByUser.objects.filter(content_object=compartments["restricted"]).count()
    if members < len(NAMES) or grants < GROUP_GRANTS + USER_GRANTS:
        return None
    return World(
        general=compartments["general"],
        restricted=compartments["restricted"],
        **{name: users[name] for name in NAMES},
    )


def build_world() -> World:
    """The world, seeded when it is not there yet. Each test database is seeded once when it
    is created, and again after a transactional test empties it (``tests/conftest.py``), so
    a test usually finds it and pays four queries instead of the seed's two hundred."""
    from audit.services import service_scope

    found = _as_seeded()
    if found is not None:
        return found
    with service_scope():
        seed_accounts(_Command())
    users = {u.username: u for u in User.objects.all()}
    return World(
        general=Compartment.objects.get(slug="general"),
        restricted=Compartment.objects.get(slug="restricted"),
        **{name: users[name] for name in NAMES},
    )
