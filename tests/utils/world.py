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


def build_world() -> World:
    from audit.services import service_scope

    with service_scope():
        seed_accounts(_Command())
    users = {u.username: u for u in User.objects.all()}
    return World(
        general=Compartment.objects.get(slug="general"),
        restricted=Compartment.objects.get(slug="restricted"),
        **{
            name: users[name]
            for name in (
                "officer",
                "analyst",
                "analyst2",
                "manager",
                "handler",
                "oversight",
                "admin",
            )
        },
    )
