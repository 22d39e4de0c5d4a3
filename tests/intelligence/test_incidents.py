"""Incidents: access, the reference filter, pages and bad input."""

import pytest
from django.urls import reverse

from intelligence.models import Incident
from tests.intelligence.helpers import make_incident
from tests.utils.access import RestrictedAPITests, api_client

pytestmark = pytest.mark.django_db


class TestIncidentAPIAccess(RestrictedAPITests):
    basename = "incident"
    denied_roles = ("oversight", "officer", "handler")

    def make_record(self, world, compartment):
        return make_incident(world, compartment, reference=f"INC-{compartment.slug}")

    def create_body(self, world):
        return {
            "reference": "INC-NEW-1",
            "crime_type": "burglary",
            "occurred_from": "2026-01-05T10:00:00Z",
            "latitude": 51.45,
            "longitude": -2.59,
            "address": "1 High Street",
        }


def test_incidents_are_found_by_reference(world):
    wanted = make_incident(world, reference="INC-2026-000042")
    make_incident(world, reference="INC-2026-000043")
    response = api_client(world.analyst).get(
        reverse("incident-list"), {"reference": wanted.reference}
    )
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]
    assert response.json()["results"][0]["crime_type"] == "burglary"


def test_recording_an_incident_with_bad_coordinates_answers_400_and_saves_nothing(world):
    response = api_client(world.analyst).post(
        reverse("incident-list"),
        {
            "reference": "INC-BAD",
            "crime_type": "robbery",
            "occurred_from": "2026-01-01T10:00:00Z",
            "latitude": 123,
            "longitude": -2.6,
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 400 and "latitude" in response.json()
    assert not Incident.objects.exists()


def test_an_analyst_records_an_incident(world):
    response = api_client(world.analyst).post(
        reverse("incident-list"),
        {
            "reference": "INC-NEW",
            "crime_type": "robbery",
            "occurred_from": "2026-01-01T10:00:00Z",
            "latitude": 51.46,
            "longitude": -2.6,
            "address": "Stokes Croft",
            "compartment": "general",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    duplicate = api_client(world.analyst).post(
        reverse("incident-list"),
        {**response.json(), "compartment": "general"},
        format="json",
    )
    assert duplicate.status_code == 400 and "reference" in duplicate.json()


def test_the_incident_pages_list_filter_and_show(world, login, django_assert_max_num_queries):
    for n in range(20):
        make_incident(world, reference=f"INC-P{n:03d}")
    client = login(world.analyst)
    client.get(reverse("intelligence:incident_list"))
    with django_assert_max_num_queries(18):
        response = client.get(reverse("intelligence:incident_list") + "?crime_type=burglary")
    assert len(response.context["page"].items) == 20
    incident = Incident.objects.get(reference="INC-P007")
    response = client.get(reverse("intelligence:incident_list") + "?reference=INC-P007")
    assert list(response.context["page"].items) == [incident]
    assert client.get(incident.get_absolute_url()).status_code == 200
