"""Incident imports in the browser and through the API: upload, mapping step, progress, access."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.imports import services
from intelligence.models import ImportJob, ImportMapping, Incident
from tests.intelligence.test_imports import csv_bytes, rows
from tests.utils.access import RestrictedAPITests, api_client
from tests.utils.storage import use_backend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    """Uploads go to a folder of the test's own; tests taking ``shared_storage`` run once per
    storage backend instead."""
    with use_backend("filesystem", settings, tmp_path / "data"):
        yield


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def make_job(world, compartment) -> ImportJob:
    return ImportJob.objects.create(
        requested_by=world.analyst,
        compartment=compartment,
        file_name=f"{compartment.slug}.csv",
        file_format="csv",
    )


class TestImportAPIAccess(RestrictedAPITests):
    basename = "importjob"
    denied_roles = ("oversight", "officer", "handler", "manager")

    def make_record(self, world, compartment):
        return make_job(world, compartment)


# --- API ----------------------------------------------------------------------------------------


def test_posting_a_file_answers_201_with_a_queued_job_that_the_worker_then_loads(
    world, django_capture_on_commit_callbacks, shared_storage
):
    client = api_client(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("importjob-list"),
            {"file": upload("api.csv", csv_bytes(rows(30))), "compartment": "general"},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["mapping_source"] == "header"
    assert body["compartment"] == "general" and body["file_name"] == "api.csv"
    # The task ran eagerly on commit, as the worker would.
    job = client.get(reverse("importjob-detail", args=[body["id"]])).json()
    assert job["status"] == "succeeded" and job["progress"] == 100
    assert job["rows_inserted"] == 30 and Incident.objects.count() == 30
    assert shared_storage.names() == []  # removed from the shared storage once loaded


def test_the_api_takes_a_mapping_as_json_and_refuses_a_file_without_one_naming_the_field(
    world, shared_storage
):
    client = api_client(world.analyst)
    data = csv_bytes(["A-1,burglary,2026-01-01,51.4,-2.6"], "Ref,Kind,Date,Y,X")
    response = client.post(
        reverse("importjob-list"),
        {"file": upload("odd.csv", data), "compartment": "general"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "Columns found: Ref, Kind, Date, Y, X" in response.json()["mapping"][0]
    mapping = {
        "reference": "Ref",
        "crime_type": "Kind",
        "occurred_from": "Date",
        "latitude": "Y",
        "longitude": "X",
    }
    response = client.post(
        reverse("importjob-list"),
        {"file": upload("odd.csv", data), "compartment": "general", "mapping": json.dumps(mapping)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mapping"] == mapping
    assert ImportMapping.objects.get().mapping == mapping
    assert shared_storage.names() == [ImportJob.objects.get().stored_name]


def test_the_api_refuses_bad_files_and_compartments_with_400_naming_the_field(
    world, settings, shared_storage
):
    client = api_client(world.analyst2)
    cases = [
        ({"file": upload("x.csv", b""), "compartment": "general"}, "file"),
        ({"file": upload("x.csv", b"\x00\x01binary"), "compartment": "general"}, "file"),
        ({"file": upload("x.csv", csv_bytes(rows(1))), "compartment": "restricted"}, "compartment"),
        ({"compartment": "general"}, "file"),
    ]
    for data, field in cases:
        response = client.post(reverse("importjob-list"), data, format="multipart")
        assert response.status_code == 400, (data, response.content)
        assert field in response.json()
    settings.ILP = {**settings.ILP, "IMPORT_MAX_BYTES": 100}
    response = client.post(
        reverse("importjob-list"),
        {"file": upload("big.csv", csv_bytes(rows(50))), "compartment": "general"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["file"][0]
    assert not ImportJob.objects.exists()
    assert shared_storage.names() == []


def test_roles_without_the_import_permission_cannot_upload(world):
    response = api_client(world.manager).post(
        reverse("importjob-list"),
        {"file": upload("x.csv", csv_bytes(rows(1))), "compartment": "general"},
        format="multipart",
    )
    assert response.status_code == 403


# --- Browser ------------------------------------------------------------------------------------


def test_an_upload_in_the_browser_leads_to_the_job_page_with_its_progress_bar(
    world, login, django_capture_on_commit_callbacks, shared_storage
):
    client = login(world.analyst)
    page = client.get(reverse("intelligence:import_upload"))
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post(
            reverse("intelligence:import_upload"),
            {
                "file": upload("web.csv", csv_bytes(rows(20))),
                "compartment": world.general.pk,
                "mode": "insert",
                "encoding": "utf-8",
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert len(sent) == 1

    detail = client.get(job.get_absolute_url())
    assert b"<progress" in detail.content
    assert b'hx-trigger="every 1s"' in detail.content
    assert b"""hx-headers='{"X-ILP-Poll": "1"}'""" in detail.content
    assert AuditEvent.objects.filter(action="view", object_id=str(job.pk)).exists()
    polled = client.get(reverse("intelligence:import_progress", args=[job.pk]))
    assert polled.status_code == 200 and b"<progress" in polled.content

    services.run_import(job.pk)
    finished = client.get(
        reverse("intelligence:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    page = client.get(job.get_absolute_url())
    assert b"20 incidents added" in page.content
    assert b'hx-trigger="every 1s"' not in page.content


def test_the_browser_asks_for_a_mapping_once_and_remembers_it(world, login, shared_storage):
    client = login(world.analyst)
    header = "Crime Ref,Offence,When,Lat,Long"
    data = csv_bytes(["W-1,burglary,2026-01-01,51.4,-2.6"], header)
    form = {"compartment": world.general.pk, "mode": "insert", "encoding": "utf-8"}
    response = client.post(
        reverse("intelligence:import_upload"), {**form, "file": upload("w.csv", data)}
    )
    assert response["Location"] == reverse("intelligence:import_mapping")
    page = client.get(response["Location"])
    assert b"Crime Ref" in page.content and page.context["form"].fields["reference"].required
    incomplete = client.post(response["Location"], {"reference": "Crime Ref"})
    assert incomplete.status_code == 200 and incomplete.context["form"].errors["crime_type"]
    mapped = client.post(
        response["Location"],
        {
            "reference": "Crime Ref",
            "crime_type": "Offence",
            "occurred_from": "When",
            "latitude": "Lat",
            "longitude": "Long",
        },
    )
    job = ImportJob.objects.get()
    assert mapped["Location"] == job.get_absolute_url() and job.mapping_source == "given"

    again = client.post(
        reverse("intelligence:import_upload"),
        {**form, "file": upload("w2.csv", csv_bytes(["W-2,drugs,2026-01-02,51.4,-2.6"], header))},
    )
    second = ImportJob.objects.latest("id")
    assert again["Location"] == second.get_absolute_url()
    assert second.mapping_source == "remembered"
    assert sorted(shared_storage.names()) == sorted([job.stored_name, second.stored_name])


def test_a_file_waiting_for_its_mapping_is_deleted_when_the_import_is_cancelled(
    world, login, shared_storage
):
    client = login(world.analyst)
    data = csv_bytes(["W-1,burglary,2026-01-01,51.4,-2.6"], "Crime Ref,Offence,When,Lat,Long")
    response = client.post(
        reverse("intelligence:import_upload"),
        {"compartment": world.general.pk, "mode": "insert", "encoding": "utf-8"}
        | {"file": upload("w.csv", data)},
    )
    assert response["Location"] == reverse("intelligence:import_mapping")
    assert len(shared_storage.names()) == 1
    cancelled = client.post(response["Location"], {"cancel": "1"})
    assert cancelled["Location"] == reverse("intelligence:import_list")
    assert shared_storage.names() == []
    # Gone from the storage: the mapping page sends the person back to the upload.
    again = client.get(response["Location"])
    assert again["Location"] == reverse("intelligence:import_upload")


def test_a_bad_file_in_the_browser_is_shown_beside_the_file_field(
    world, login, settings, shared_storage
):
    client = login(world.analyst)
    form = {"compartment": world.general.pk, "mode": "insert", "encoding": "utf-8"}
    response = client.post(
        reverse("intelligence:import_upload"),
        {**form, "file": upload("bad.csv", b"\xff\xfeh\x00e\x00")},
    )
    assert response.status_code == 200
    assert "binary data" in response.context["form"].errors["file"][0]
    settings.ILP = {**settings.ILP, "IMPORT_MAX_BYTES": 64}
    response = client.post(
        reverse("intelligence:import_upload"),
        {**form, "file": upload("big.csv", csv_bytes(rows(10)))},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is larger than the limit of 0.0 MB."
    ]
    assert not ImportJob.objects.exists() and shared_storage.names() == []


def test_the_import_pages_hide_other_compartments_and_refuse_other_roles(world, login):
    hidden = make_job(world, world.restricted)
    client = login(world.analyst2)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("intelligence:import_progress", args=[hidden.pk])).status_code == 404
    listing = client.get(reverse("intelligence:import_list"))
    assert listing.status_code == 200 and hidden not in listing.context["page"].items
    officer = login(world.officer)
    assert officer.get(reverse("intelligence:import_upload")).status_code == 403


def test_the_upload_form_offers_only_the_importers_compartments(world, login):
    client = login(world.analyst2)
    form = client.get(reverse("intelligence:import_upload")).context["form"]
    assert list(form.fields["compartment"].queryset) == [world.general]
    response = client.post(
        reverse("intelligence:import_upload"),
        {
            "file": upload("x.csv", csv_bytes(rows(1))),
            "compartment": world.restricted.pk,
            "mode": "insert",
            "encoding": "utf-8",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["compartment"]
