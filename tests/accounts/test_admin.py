"""Administrators manage users, roles, units and compartments, and every grant is on record."""

import pytest
from django.contrib.auth.models import Group, Permission

from audit.models import AuditEvent
from ilp_platform.accounts.models import Compartment, CompartmentGroupObjectPermission

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/unit/",
        "/admin/accounts/compartment/",
        "/admin/auth/group/",
        "/admin/accounts/compartment/add/",
    ],
)
def test_administrator_opens_the_admin_pages(client, world, url):
    client.force_login(world.admin)
    assert client.get(url).status_code == 200


def test_others_are_kept_out_of_the_admin(client, world):
    client.force_login(world.analyst)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_granting_a_compartment_to_a_group_in_the_admin_is_audited(client, world):
    client.force_login(world.admin)
    compartment = Compartment.objects.create(slug="op-hawk", name="Operation Hawk")
    permission = Permission.objects.get(codename="view_compartment")
    analysts = Group.objects.get(name="analyst")
    prefix_g = "compartmentgroupobjectpermission_set"
    prefix_u = "compartmentuserobjectpermission_set"
    data = {
        "slug": "op-hawk",
        "name": "Operation Hawk",
        "description": "",
        "is_active": "on",
        f"{prefix_g}-TOTAL_FORMS": "1",
        f"{prefix_g}-INITIAL_FORMS": "0",
        f"{prefix_g}-0-group": analysts.pk,
        f"{prefix_g}-0-permission": permission.pk,
        f"{prefix_u}-TOTAL_FORMS": "0",
        f"{prefix_u}-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/accounts/compartment/{compartment.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CompartmentGroupObjectPermission.objects.filter(
        group=analysts, content_object=compartment
    ).exists()
    event = AuditEvent.objects.filter(action="permission_change", compartment="op-hawk").latest(
        "id"
    )
    assert event.actor_username == "admin"
    assert event.details["holder"] == "analyst"
    assert Compartment.objects.visible_to(world.analyst2).filter(slug="op-hawk").exists()
