"""Accounts endpoints through the generic access tests."""

import pytest
from django.urls import reverse

from tests.utils.access import RestrictedAPITests, api_client


class TestCompartmentAPI(RestrictedAPITests):
    """A person lists only the compartments granted to them; others are 404."""

    basename = "compartment"
    allowed_role = "analyst"
    denied_roles = ()
    outsider = "analyst2"
    requires_justification = False
    lookup_attr = "slug"

    def make_record(self, world, compartment):
        return compartment

    def test_a_record_in_another_compartment_is_invisible_and_404(self, world):
        hidden, visible = world.restricted, world.general
        outsider = world.user(self.outsider)
        response = api_client(outsider).get(self.list_url())
        ids = self.result_ids(response)
        assert str(hidden.pk) not in ids and str(visible.pk) in ids
        assert api_client(outsider).get(self.detail_url(hidden)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "status"),
    [("admin", 200), ("oversight", 403), ("analyst", 403), ("officer", 403), (None, 401)],
)
def test_only_administrators_list_users(world, username, status):
    user = world.user(username) if username else None
    response = api_client(user).get(reverse("user-list"))
    assert response.status_code == status
