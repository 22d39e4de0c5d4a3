"""Demo users and compartments (the contract in DESIGN.md names them)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import Compartment, Unit, User
from ilp_platform.core.seeding import register

DEMO_USERS = [
    # username, first, last, role, unit code
    ("officer", "Olivia", "Officer", Role.OFFICER, "response"),
    ("analyst", "Amir", "Analyst", Role.ANALYST, "intel"),
    ("analyst2", "Ana", "Second", Role.ANALYST, "intel"),
    ("manager", "Morgan", "Manager", Role.MANAGER, "intel"),
    ("handler", "Harper", "Handler", Role.SOURCE_HANDLER, "dsu"),
    ("oversight", "Owen", "Oversight", Role.OVERSIGHT, "standards"),
    ("admin", "Ada", "Administrator", Role.ADMINISTRATOR, "it"),
]
UNITS = [
    ("response", "Response policing"),
    ("intel", "Force intelligence bureau"),
    ("dsu", "Dedicated source unit"),
    ("standards", "Information standards and data protection"),
    ("it", "Systems administration"),
]
COMPARTMENTS = [
    ("general", "General", "Intelligence shared across the unit."),
    ("restricted", "Operation Restricted", "Sensitive operation: named analysts only."),
]


def ensure_user(
    username: str,
    first: str,
    last: str,
    role: str,
    unit: Unit,
    *,
    password: str,
    password_given: bool,
) -> User:
    """A seeded person in ``role``: created once; the password set when new or given."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.invalid",
            "unit": unit,
        },
    )
    if created or password_given:
        user.set_password(password)
        user.save(update_fields=["password"])
    if role == Role.ADMINISTRATOR and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.add(Group.objects.get(name=role))
    return user


@register(10, "users and compartments")
def seed_accounts(command) -> None:
    password = command.demo_password
    units = {}
    for code, name in UNITS:
        units[code], _ = Unit.objects.get_or_create(code=code, defaults={"name": name})
    for username, first, last, role, unit in DEMO_USERS:
        ensure_user(
            username,
            first,
            last,
            role,
            units[unit],
            password=password,
            password_given=command.password_given,
        )

    compartments = {}
    for slug, name, description in COMPARTMENTS:
        compartments[slug], _ = Compartment.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    for role in (
        Role.OFFICER,
        Role.ANALYST,
        Role.MANAGER,
        Role.SOURCE_HANDLER,
        Role.ADMINISTRATOR,
    ):
        assign_perm("view_compartment", Group.objects.get(name=role), compartments["general"])
    for username in ("analyst", "manager", "handler"):
        assign_perm(
            "view_compartment", User.objects.get(username=username), compartments["restricted"]
        )
    command.stdout.write(f"  {len(DEMO_USERS)} users, {len(COMPARTMENTS)} compartments")
