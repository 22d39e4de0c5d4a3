"""Sources: access, identity visible to the assigned handler only, reliability history."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.intelligence.helpers import make_report, make_source
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db


class TestSourceAPIAccess(RestrictedAPITests):
    basename = "source"
    denied_roles = ("oversight", "officer")

    def make_record(self, world, compartment):
        return make_source(world, compartment, reference=f"SRC-{compartment.slug}")

    def create_body(self, world):
        return {"reference": "SRC-NEW-1", "source_type": "chis"}


def test_identity_is_shown_only_to_the_assigned_handler(world):
    source = make_source(world)
    url = reverse("source-detail", args=[source.pk])
    handler_view = api_client(world.handler).get(url).json()
    assert handler_view["identity_name"] == "Jane Informant"
    assert handler_view["handler"] == "handler"
    for role in ("analyst", "manager"):
        body = api_client(world.user(role)).get(url).json()
        assert body["reference"] == "SRC-T1"
        assert body["identity_name"] is None and body["identity_details"] is None, role
        assert body["handler"] is None


def test_another_handler_does_not_see_the_identity(world):
    from django.contrib.auth.models import Group

    from ilp_platform.accounts.models import User

    other = User.objects.create_user("handler2", password="x")
    other.groups.add(Group.objects.get(name="source_handler"))
    from guardian.shortcuts import assign_perm

    assign_perm("view_compartment", other, world.general)
    source = make_source(world)
    body = api_client(other).get(reverse("source-detail", args=[source.pk])).json()
    assert body["identity_name"] is None


def test_the_identity_never_enters_the_audit_trail(world):
    make_source(world)
    event = AuditEvent.objects.get(action="create", object_type="intelligence.source")
    assert "Jane Informant" not in str(event.details)
    assert "Secret Street" not in str(event.details)


def test_the_source_page_hides_the_identity_from_analysts(world, login):
    source = make_source(world)
    body = login(world.analyst).get(source.get_absolute_url()).content.decode()
    assert "SRC-T1" in body and "Jane Informant" not in body
    body = login(world.handler).get(source.get_absolute_url()).content.decode()
    assert "Jane Informant" in body


def test_reliability_history_counts_the_grades_of_its_reports(world):
    source = make_source(world)
    make_report(world, source=source, submitter=world.analyst2)
    make_report(world, source=source, submitter=world.analyst2)
    make_report(world, source=source, submitter=world.analyst2, source_evaluation="1")
    body = api_client(world.analyst).get(reverse("source-detail", args=[source.pk])).json()
    rows = {(r["scheme"], r["code"]): r["reports"] for r in body["reliability"]}
    assert rows == {("3x5x2", "1"): 1, ("3x5x2", "2"): 2}
    assert body["reliability"][0]["meaning"] == "Reliable"


def test_a_duplicate_reference_is_refused_naming_the_field(world):
    make_source(world)
    response = api_client(world.analyst).post(
        reverse("source-list"),
        {"reference": "SRC-T1", "source_type": "officer", "compartment": "general"},
        format="json",
    )
    assert response.status_code == 400 and "reference" in response.json()


def test_the_source_list_runs_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    for n in range(12):
        make_source(world, reference=f"SRC-L{n}")
    client = login(world.analyst)
    client.get(reverse("intelligence:source_list"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("intelligence:source_list"))
    assert len(response.context["page"].items) == 12
    api = api_client(world.analyst)
    api.get(reverse("source-list"))
    with django_assert_max_num_queries(10):
        assert len(api.get(reverse("source-list")).json()["results"]) == 12
