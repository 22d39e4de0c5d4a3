"""Entities and links: access, duplicate detection, merging, linking events."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import Entity, Identifier, Link, ReportEntity
from intelligence.services.entities import create_link, link_entity_to_report
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db


class TestEntityAPIAccess(RestrictedAPITests):
    basename = "entity"
    denied_roles = ("oversight", "officer", "handler")

    def make_record(self, world, compartment):
        return make_entity(world, compartment, name=f"Person in {compartment.slug}")

    def create_body(self, world):
        return {"kind": "vehicle", "name": "AB12 CDE", "allow_duplicate": True}


class TestLinkAPIAccess(RestrictedAPITests):
    basename = "link"
    denied_roles = ("oversight", "officer", "handler")

    def make_record(self, world, compartment):
        a = make_entity(world, compartment, name="Link end A")
        b = make_entity(world, compartment, name="Link end B")
        with as_user(world.analyst):
            return create_link(
                actor=world.analyst,
                from_entity=a,
                to_entity=b,
                kind="associate",
                strength="tentative",
            )


@pytest.mark.parametrize(
    ("existing", "new", "identifiers"),
    [
        (
            {"name": "Seán O'Neil", "date_of_birth": "1990-05-01"},
            {"name": "sean  oneil", "date_of_birth": "1990-05-01"},
            [],
        ),
        ({"name": "Seán O'Neil"}, {"name": "Sean O'Neil", "date_of_birth": "1990-05-01"}, []),
        ({"name": "AB12 CDE", "kind": "vehicle"}, {"name": "ab12cde", "kind": "vehicle"}, []),
        (
            {"name": "Kim", "identifiers": [("phone", "+44 7700 900 111")]},
            {"name": "Other"},
            [{"kind": "phone", "value": "07700900111"}],
        ),
        (
            {"name": "Lee", "identifiers": [("email", "Lee@Example.org")]},
            {"name": "Someone"},
            [{"kind": "email", "value": "lee@example.ORG "}],
        ),
    ],
)
def test_creating_a_probable_duplicate_answers_409_offering_the_existing_record(
    world, existing, new, identifiers
):
    kind = existing.pop("kind", "person")
    original = make_entity(world, kind=kind, **existing)
    payload = {"kind": kind, "compartment": "general", "identifiers": identifiers, **new}
    payload.pop("kind", None)
    payload["kind"] = new.get("kind", kind)
    before = Entity.objects.count()
    response = api_client(world.analyst).post(reverse("entity-list"), payload, format="json")
    assert response.status_code == 409, response.content
    assert [d["id"] for d in response.json()["duplicates"]] == [original.pk]
    assert Entity.objects.count() == before
    payload["allow_duplicate"] = True
    response = api_client(world.analyst).post(reverse("entity-list"), payload, format="json")
    assert response.status_code == 201
    assert Entity.objects.count() == before + 1


def test_a_different_date_of_birth_is_not_a_duplicate(world):
    make_entity(world, name="John Smith", date_of_birth="1980-01-01")
    response = api_client(world.analyst).post(
        reverse("entity-list"),
        {
            "kind": "person",
            "name": "John Smith",
            "date_of_birth": "1999-09-09",
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 201


def test_duplicates_in_a_compartment_one_does_not_hold_are_not_offered(world):
    make_entity(world, world.restricted, name="Secret Person")
    response = api_client(world.analyst2).post(
        reverse("entity-list"),
        {"kind": "person", "name": "Secret Person", "compartment": "general"},
        format="json",
    )
    assert response.status_code == 201


def test_the_entity_form_shows_candidates_before_creating(world, login):
    original = make_entity(world, name="Tariq Fenwick")
    client = login(world.analyst)
    data = {"kind": "person", "name": "tariq fenwick", "compartment": world.general.pk}
    response = client.post(reverse("intelligence:entity_create"), data)
    assert response.status_code == 200
    assert original in response.context["candidates"]
    assert original.get_absolute_url() in response.content.decode()
    assert Entity.objects.count() == 1
    response = client.post(reverse("intelligence:entity_create"), {**data, "create_anyway": "on"})
    assert response.status_code == 302 and Entity.objects.count() == 2


def test_merging_keeps_every_report_and_link_and_records_a_merge_event(world):
    keeper = make_entity(world, name="Dave Price", identifiers=[("phone", "07700900001")])
    duplicate = make_entity(world, name="David Price", identifiers=[("phone", "07700900002")])
    friend = make_entity(world, name="Eve Friend")
    r1, r2, r3 = make_report(world), make_report(world), make_report(world)
    with as_user(world.analyst):
        link_entity_to_report(r1, keeper, actor=world.analyst, subject_category="suspect")
        link_entity_to_report(r2, duplicate, actor=world.analyst, subject_category="suspect")
        link_entity_to_report(r3, duplicate, actor=world.analyst, subject_category="victim")
        link_entity_to_report(r1, duplicate, actor=world.analyst, subject_category="suspect")
        link = create_link(
            actor=world.analyst,
            from_entity=friend,
            to_entity=duplicate,
            kind="associate",
            strength="confirmed",
            reports=[r2],
        )
    response = api_client(world.analyst).post(
        reverse("entity-merge", args=[keeper.pk]),
        {"other": duplicate.pk, "reason": "Same DOB and address"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(ReportEntity.objects.filter(entity=keeper).values_list("report_id", flat=True)) == {
        r1.pk,
        r2.pk,
        r3.pk,
    }
    assert not ReportEntity.objects.filter(entity=duplicate).exists()
    link.refresh_from_db()
    assert link.to_entity == keeper and list(link.reports.all()) == [r2]
    assert set(Identifier.objects.filter(entity=keeper).values_list("value", flat=True)) == {
        "07700900001",
        "07700900002",
    }
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keeper
    event = AuditEvent.objects.get(action="merge")
    assert event.object_id == str(keeper.pk)
    assert event.details["merged"] == duplicate.pk and event.details["links_moved"] == 1
    listed = api_client(world.analyst).get(reverse("entity-list")).json()["results"]
    assert duplicate.pk not in {e["id"] for e in listed}


def test_merging_needs_the_merge_permission(world):
    a, b = make_entity(world, name="A Person"), make_entity(world, name="B Person")
    response = api_client(world.manager).post(
        reverse("entity-merge", args=[a.pk]), {"other": b.pk}, format="json"
    )
    assert response.status_code == 403


def test_linking_entities_is_recorded_as_a_link_event(world):
    a, b = make_entity(world, name="Link A"), make_entity(world, name="Link B")
    report = make_report(world)
    response = api_client(world.analyst).post(
        reverse("link-list"),
        {
            "from_entity": a.pk,
            "to_entity": b.pk,
            "kind": "family",
            "strength": "confirmed",
            "reports": [report.urn],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reports"] == [report.urn]
    event = AuditEvent.objects.filter(action="link").latest("id")
    assert event.details["kind"] == "family" and event.details["reports"] == [report.pk]


def test_a_link_to_an_entity_outside_ones_compartments_is_refused(world):
    mine = make_entity(world, name="Mine")
    hidden = make_entity(world, world.restricted, name="Hidden")
    response = api_client(world.analyst2).post(
        reverse("link-list"),
        {
            "from_entity": mine.pk,
            "to_entity": hidden.pk,
            "kind": "associate",
            "strength": "tentative",
        },
        format="json",
    )
    assert response.status_code == 400 and "to_entity" in response.json()
    assert not Link.objects.exists()


def test_naming_a_person_in_a_report_records_the_data_subject_category(world):
    report = make_report(world)
    person = make_entity(world, name="Paula Witness")
    url = reverse("report-link-entity", args=[report.pk])
    response = api_client(world.analyst).post(url, {"entity": person.pk}, format="json")
    assert response.status_code == 400 and "subject_category" in response.json()
    response = api_client(world.analyst).post(
        url,
        {"entity": person.pk, "subject_category": "witness", "is_assessment": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    link = ReportEntity.objects.get()
    assert (link.subject_category, link.is_assessment) == ("witness", True)
    assert AuditEvent.objects.filter(action="link", object_id=str(report.pk)).exists()


def test_the_entity_page_shows_links_and_reports(world, login, django_assert_max_num_queries):
    centre = make_entity(world, name="Centre Person")
    for n in range(5):
        other = make_entity(world, name=f"Other {n}")
        with as_user(world.analyst):
            create_link(
                actor=world.analyst,
                from_entity=centre,
                to_entity=other,
                kind="associate",
                strength="tentative",
                reports=[make_report(world)],
            )
    client = login(world.analyst)
    client.get(centre.get_absolute_url())
    # The page, its timeline, its neighbourhood chart and their consultation event: a fixed
    # number of queries whatever the number of links.
    with django_assert_max_num_queries(26):
        response = client.get(centre.get_absolute_url())
    assert response.status_code == 200
    assert "Other 4" in response.content.decode()


def test_the_entity_list_and_api_run_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    for n in range(15):
        make_entity(world, name=f"Listed {n}", identifiers=[("phone", f"0770090{n:04d}")])
    client = login(world.analyst)
    client.get(reverse("intelligence:entity_list"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("intelligence:entity_list") + "?q=listed")
    assert len(response.context["page"].items) == 15
    api = api_client(world.analyst)
    api.get(reverse("entity-list"))
    with django_assert_max_num_queries(10):
        assert len(api.get(reverse("entity-list")).json()["results"]) == 15
