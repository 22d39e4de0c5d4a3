"""What gets recorded: safety net, authentication, permission changes, fail-closed."""

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction
from django.urls import reverse
from guardian.shortcuts import assign_perm

from audit import services
from audit.choices import Action
from audit.disclosure import DisclosureRules
from audit.models import AuditEvent
from ilp_platform.accounts.models import Compartment, CompartmentUserObjectPermission
from ilp_platform.core import context
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def test_a_change_made_outside_any_service_is_caught_by_the_safety_net(world):
    world.officer.first_name = "Changed"
    world.officer.save()
    event = AuditEvent.objects.filter(
        object_type="accounts.user", object_id=str(world.officer.pk)
    ).latest("id")
    assert event.action == Action.CONFIGURATION_CHANGE
    # The field is named; its values are digests (a person's name is personal data).
    assert event.details["changes"]["first_name"] == [
        services.value_digest("Olivia"),
        services.value_digest("Changed"),
    ]
    assert "Olivia" not in str(event.details) and "Changed" not in str(event.details)
    assert event.details["outside_service"] is True


def test_password_changes_never_put_the_hash_in_the_log(world):
    world.officer.set_password("another-long-password")
    world.officer.save()
    assert not AuditEvent.objects.filter(details__icontains="pbkdf2").exists()
    assert not AuditEvent.objects.filter(details__icontains="md5$").exists()


def test_compartment_grants_and_role_changes_are_permission_events(world):
    with context.acting(user=world.admin):
        assign_perm("view_compartment", world.analyst2, world.restricted)
        world.analyst2.groups.add(Group.objects.get(name="manager"))
    grant = AuditEvent.objects.filter(
        action=Action.PERMISSION_CHANGE, compartment="restricted"
    ).latest("id")
    assert grant.actor_username == "admin"
    assert grant.details["holder"] == str(world.analyst2)
    assert grant.details["grant"] == "added"
    role = AuditEvent.objects.filter(
        action=Action.PERMISSION_CHANGE, object_id=str(world.analyst2.pk)
    ).latest("id")
    assert role.details["items"] == ["manager"]


def _unwritable_audit_table(monkeypatch):
    """Events cannot be stored: both ways of storing one fail (the model's save on SQLite,
    the one-message append on PostgreSQL)."""
    import audit.chain

    def broken(*args, **kwargs):
        raise DatabaseError("audit table unwritable")

    monkeypatch.setattr(AuditEvent, "save", broken)
    monkeypatch.setattr(audit.chain, "_append_postgresql", broken)


def test_a_write_whose_event_cannot_be_stored_is_rolled_back(world, monkeypatch):
    _unwritable_audit_table(monkeypatch)
    with pytest.raises(services.AuditUnavailable), transaction.atomic():
        assign_perm("view_compartment", world.analyst2, world.restricted)
    monkeypatch.undo()
    assert not CompartmentUserObjectPermission.objects.filter(
        user=world.analyst2, content_object=world.restricted
    ).exists()


def test_a_read_whose_event_cannot_be_stored_is_not_served(world, monkeypatch):
    _unwritable_audit_table(monkeypatch)
    response = api_client(world.admin).get(reverse("user-list"))
    assert response.status_code == 503
    assert "officer" not in response.content.decode()
    client_response = api_client(world.oversight).get(reverse("auditevent-list"))
    assert client_response.status_code == 503


def test_every_event_carries_request_context_and_justification(world):
    client = api_client(world.admin, justification="CR/2026/1234 staff vetting")
    response = client.get(reverse("user-list"), HTTP_USER_AGENT="test-agent/1.0")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=Action.LIST, object_type="accounts.user").latest("id")
    assert event.justification == "CR/2026/1234 staff vetting"
    assert event.actor_username == "admin"
    assert event.user_agent == "test-agent/1.0"
    assert event.request_id == response["X-Request-ID"]
    assert event.via == "api"
    assert set(event.details["ids"]) == {
        str(u) for u in world.admin._meta.model.objects.values_list("pk", flat=True)
    }


def test_logout_is_recorded(client, world):
    client.force_login(world.analyst)
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor_username="analyst").exists()


class _Disclosable:
    """A stand-in record for the rules: any model providing disclosure_rules() will do."""

    def __init__(self, compartment, rules):
        self.compartment = compartment
        self._rules = rules
        self.pk = 42
        self._meta = Compartment._meta

    def disclosure_rules(self):
        return self._rules

    def __str__(self):
        return "IR-TEST-42"


@pytest.mark.parametrize(
    ("rules", "kwargs", "refused_field"),
    [
        (DisclosureRules("P"), {}, None),
        (
            DisclosureRules("C", conditions="Not to be shared with the press"),
            {},
            "conditions_acknowledged",
        ),
        (
            DisclosureRules("C", conditions="Not to the press"),
            {"conditions_acknowledged": True},
            None,
        ),
        (
            DisclosureRules("5", blocked_reason="Code 5: refer to the originator"),
            {"conditions_acknowledged": True},
            "handling_code",
        ),
        (DisclosureRules("H2", needs_provider_permission=True), {}, "provider_permission"),
        (
            DisclosureRules("H2", needs_provider_permission=True),
            {"provider_permission": "EPL-REF-9"},
            None,
        ),
    ],
)
def test_disclosure_follows_the_handling_code(world, rules, kwargs, refused_field):
    record = _Disclosable(world.general, rules)
    with context.acting(user=world.manager, justification="OP-1 partner briefing"):
        if refused_field is None:
            event = services.record_disclosure(
                record, recipient="DS Smith, Partner Force", legal_basis="DPA 2018 s.35", **kwargs
            )
            assert event.action == Action.DISCLOSE
            assert event.recipient == "DS Smith, Partner Force"
            assert event.details["legal_basis"] == "DPA 2018 s.35"
            assert event.justification == "OP-1 partner briefing"
        else:
            with pytest.raises(services.DisclosureRefused) as refused:
                services.record_disclosure(
                    record, recipient="DS Smith", legal_basis="DPA 2018 s.35", **kwargs
                )
            assert refused_field in refused.value.errors
            denied = AuditEvent.objects.filter(action=Action.DISCLOSE).latest("id")
            assert denied.outcome == "denied"
