"""The platform's roles and the model permissions each holds.

Roles are Django groups. A data migration creates them; because later apps add permissions in
their own migrations, ``sync_roles`` also runs after every ``migrate`` and attaches any
permission named here that now exists. Permissions are named ``app_label.codename``.
"""

from __future__ import annotations

from importlib import import_module

from ilp_platform.accounts.choices import Role

_READ_INTELLIGENCE = [
    "intelligence.view_report",
    "intelligence.view_source",
    "intelligence.view_entity",
    "intelligence.view_link",
    "intelligence.view_incident",
    "analysis.view_analysisjob",
    "analysis.view_product",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICER: [
        "intelligence.add_report",
        "intelligence.view_report",
        "tasking.view_tasking",
    ],
    Role.ANALYST: [
        *_READ_INTELLIGENCE,
        "intelligence.add_report",
        "intelligence.change_report",
        "intelligence.evaluate_report",
        "intelligence.review_report",
        "intelligence.add_entity",
        "intelligence.change_entity",
        "intelligence.merge_entity",
        "intelligence.add_link",
        "intelligence.change_link",
        "intelligence.add_source",
        "intelligence.add_incident",
        "intelligence.add_importjob",
        "intelligence.view_importjob",
        "analysis.add_analysisjob",
        "analysis.add_product",
        "analysis.change_product",
        "audit.add_disclosure",
        "operations.view_operation",
        "operations.add_operation",
        "operations.change_operation",
        "tasking.view_meeting",
        "tasking.view_priority",
        "tasking.add_priority",
        "tasking.change_priority",
        "tasking.view_requirement",
        "tasking.answer_requirement",
        "tasking.view_tasking",
        "tasking.view_decision",
    ],
    Role.MANAGER: [
        *_READ_INTELLIGENCE,
        "intelligence.review_report",
        "analysis.approve_product",
        "audit.add_disclosure",
        "operations.view_operation",
        "operations.add_operation",
        "operations.change_operation",
        "tasking.add_meeting",
        "tasking.change_meeting",
        "tasking.view_meeting",
        "tasking.add_priority",
        "tasking.change_priority",
        "tasking.approve_priority",
        "tasking.view_priority",
        "tasking.add_requirement",
        "tasking.change_requirement",
        "tasking.view_requirement",
        "tasking.answer_requirement",
        "tasking.add_tasking",
        "tasking.change_tasking",
        "tasking.view_tasking",
        "tasking.add_decision",
        "tasking.change_decision",
        "tasking.view_decision",
    ],
    Role.SOURCE_HANDLER: [
        "intelligence.view_report",
        "intelligence.view_source",
        "intelligence.change_source",
        "intelligence.view_source_identity",
        "intelligence.add_report",
    ],
    Role.OVERSIGHT: [
        "audit.view_auditevent",
        "audit.view_integritycheck",
        "audit.view_anomaly",
        "audit.export_auditevent",
    ],
    Role.ADMINISTRATOR: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_unit",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_compartment",
        "accounts.add_compartment",
        "accounts.change_compartment",
        "auth.view_group",
        "auth.change_group",
        "audit.view_auditevent",
        "audit.view_integritycheck",
        "intelligence.view_source_identity",
        # Lockouts after failed logins: see them and lift them (audited).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "accounts.view_loginlockout",
        "accounts.delete_loginlockout",
        # One-time codes with which privileged roles enrol (or re-enrol) an authenticator.
        "accounts.view_enrolmentcode",
        "accounts.issue_enrolmentcode",
    ],
}


# Apps added later declare their roles' permissions beside their models, in ``<app>/roles.py``
# (a ``ROLE_PERMISSIONS`` of the same shape); they are merged here.
EXTENSION_APPS = ("sharing", "exchange", "subjectrequests", "dataprotection", "training")


def _merge_extensions() -> None:
    for app in EXTENSION_APPS:
        module = import_module(f"{app}.roles")
        for role, names in module.ROLE_PERMISSIONS.items():
            ROLE_PERMISSIONS.setdefault(role, [])
            ROLE_PERMISSIONS[role].extend(n for n in names if n not in ROLE_PERMISSIONS[role])


_merge_extensions()


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and attach every listed permission that exists.

    Takes the models as arguments so a data migration can pass its historical models.
    """
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted.append((app_label, codename))
        existing = permission_model.objects.filter(
            content_type__app_label__in={a for a, _ in wanted},
            codename__in={c for _, c in wanted},
        ).select_related("content_type")
        to_add = [p for p in existing if (p.content_type.app_label, p.codename) in set(wanted)]
        group.permissions.add(*to_add)


_APPS_WITH_ROLE_PERMISSIONS = {
    "accounts",
    "audit",
    "intelligence",
    "analysis",
    "tasking",
    "operations",
    "axes",
    *EXTENSION_APPS,
}


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # Permissions are created per app just before this runs for that app.
    if sender.label not in _APPS_WITH_ROLE_PERMISSIONS:
        return
    from django.contrib.auth.models import Group, Permission

    sync_roles(Group, Permission)
