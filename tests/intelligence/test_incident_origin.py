"""An incident's origin: reported by the public, found by police activity, other or unknown.

It is read from an optional import column (a code or its words, any case), chosen on the
incident form, and shown on the incident's page, in the CSV export and in the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from intelligence.choices import IncidentOrigin
from intelligence.forms import IncidentForm
from intelligence.models import Incident
from tests.intelligence.helpers import make_incident
from tests.intelligence.test_imports import csv_bytes, rows, run
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

HEADER = "reference,crime_type,occurred_from,occurred_to,latitude,longitude,address,origin"


@pytest.fixture
def uploads(shared_storage):
    return shared_storage


def _with_origin(lines: list[str], origins: list[str]) -> list[str]:
    return [f"{line},{origin}" for line, origin in zip(lines, origins, strict=True)]


# --- Import -----------------------------------------------------------------------------------


def test_the_origin_column_takes_codes_and_words_in_any_case_and_blank_is_unknown(world, uploads):
    origins = ["police", "PUBLIC", "Found by police activity", "reported BY the public", ""]
    origins.append("Other")
    job = run(world, csv_bytes(_with_origin(rows(6), origins), header=HEADER))
    assert job.status == "succeeded", job.message
    stored = dict(Incident.objects.values_list("reference", "origin"))
    assert stored == {
        "IMP-000000": IncidentOrigin.POLICE,
        "IMP-000001": IncidentOrigin.PUBLIC,
        "IMP-000002": IncidentOrigin.POLICE,
        "IMP-000003": IncidentOrigin.PUBLIC,
        "IMP-000004": IncidentOrigin.UNKNOWN,
        "IMP-000005": IncidentOrigin.OTHER,
    }


def test_a_file_without_the_origin_column_loads_unknown(world, uploads):
    job = run(world, csv_bytes(rows(3)))
    assert job.status == "succeeded", job.message
    assert set(Incident.objects.values_list("origin", flat=True)) == {IncidentOrigin.UNKNOWN}


def test_a_bad_origin_is_refused_naming_the_row_the_column_and_the_accepted_values(world, uploads):
    lines = _with_origin(rows(4), ["police", "stop and search", "public", "polise"])
    job = run(world, csv_bytes(lines, header=HEADER))
    assert job.status == "failed"
    refused = [(e["line"], e["field"], e["value"]) for e in job.error_report]
    assert refused == [(3, "origin", "stop and search"), (5, "origin", "polise")]
    reason = job.error_report[0]["reason"]
    assert reason.startswith("unknown origin; accepted: ")
    for accepted in (
        'public ("Reported by the public")',
        'police ("Found by police activity")',
        'other ("Other")',
        'unknown ("Unknown")',
    ):
        assert accepted in reason
    assert "line 3, origin" in job.message
    assert not Incident.objects.exists()


def test_an_update_overwrites_the_origin_only_when_the_file_gives_it(world, uploads):
    run(world, csv_bytes(_with_origin(rows(2), ["police", "public"]), header=HEADER))
    moved = [line.replace("High Street", "Low Road") for line in rows(2)]
    job = run(world, csv_bytes(moved), mode="update")
    assert job.status == "succeeded", job.message
    assert dict(Incident.objects.values_list("reference", "origin")) == {
        "IMP-000000": IncidentOrigin.POLICE,
        "IMP-000001": IncidentOrigin.PUBLIC,
    }
    job = run(world, csv_bytes(_with_origin(rows(1), ["other"]), header=HEADER), mode="update")
    assert job.status == "succeeded", job.message
    assert Incident.objects.get(reference="IMP-000000").origin == IncidentOrigin.OTHER


def test_a_column_named_otherwise_is_mapped_to_the_origin(world, uploads):
    header = HEADER.replace(",origin", ",how_found")
    job = run(world, csv_bytes(_with_origin(rows(1), ["police"]), header=header))
    assert job.status == "succeeded", job.message
    assert Incident.objects.get().origin == IncidentOrigin.POLICE


# --- Form, page, export, API ------------------------------------------------------------------


def _form_data(world, **changes):
    from intelligence.models import CrimeType

    return {
        "compartment": world.general.pk,
        "reference": "INC-FORM-1",
        "crime_type": CrimeType.objects.get(slug="burglary").pk,
        "occurred_from": "2026-01-05T10:00",
        "latitude": "51.45",
        "longitude": "-2.59",
        "origin": "police",
        **changes,
    }


def test_the_incident_form_offers_the_origins_with_unknown_first_chosen(world):
    form = IncidentForm(user=world.analyst)
    assert form.fields["origin"].initial == IncidentOrigin.UNKNOWN
    assert [c for c, _label in form.fields["origin"].choices] == [
        "public",
        "police",
        "other",
        "unknown",
    ]
    assert IncidentForm(_form_data(world), user=world.analyst).is_valid()
    bad = IncidentForm(_form_data(world, origin="stop-search"), user=world.analyst)
    assert not bad.is_valid() and "origin" in bad.errors


def test_recording_an_incident_through_the_page_keeps_its_origin(world, login):
    client = login(world.analyst)
    page = client.get(reverse("intelligence:incident_create"))
    assert page.status_code == 200 and 'name="origin"' in page.content.decode()
    response = client.post(reverse("intelligence:incident_create"), _form_data(world))
    incident = Incident.objects.get(reference="INC-FORM-1")
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.origin == IncidentOrigin.POLICE


def test_a_bad_origin_on_the_page_is_refused_beside_the_field_and_nothing_saved(world, login):
    client = login(world.analyst)
    response = client.post(
        reverse("intelligence:incident_create"), _form_data(world, origin="stop-search")
    )
    assert response.status_code == 200
    assert "origin" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_the_incident_page_the_export_and_the_api_show_the_origin(world, login):
    incident = make_incident(world, origin=IncidentOrigin.POLICE)
    client = login(world.analyst)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'id="incident-origin">Found by police activity<' in page
    export = client.get(reverse("intelligence:incident_list"), {"export": "csv"})
    table = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row["origin"] for row in table] == ["police"]
    body = api_client(world.analyst).get(reverse("incident-detail", args=[incident.pk])).json()
    assert body["origin"] == "police"


def test_an_incident_posted_to_the_api_without_an_origin_is_unknown(world):
    response = api_client(world.analyst).post(
        reverse("incident-list"),
        {
            "reference": "INC-API-1",
            "crime_type": "burglary",
            "occurred_from": "2026-01-05T10:00:00Z",
            "latitude": 51.45,
            "longitude": -2.59,
            "compartment": world.general.slug,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["origin"] == "unknown"
