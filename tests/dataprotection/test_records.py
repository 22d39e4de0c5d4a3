"""Records of processing: every processing activity has one (a new analysis kind without one
fails here), the baseline loads on migrate and never overwrites the officer's edits, edits are
audited, the register exports as CSV and PDF, the job page shows its record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analysis.kinds import registry
from audit.models import AuditEvent
from dataprotection import activities, baseline
from dataprotection.models import ProcessingRecord
from tests.dataprotection.factories import record
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def test_every_processing_activity_has_a_record_of_processing():
    """A new analysis kind (or any activity) without a record fails here: add its record to
    dataprotection/baseline.py, which creates it on migrate."""
    assert activities.missing_records() == []
    assert all(baseline.entry(key) is not None for key in activities.all_keys())
    for key in ("sharing.share", "exchange.package", "exchange.import", "subjectrequests.search"):
        assert key in activities.all_keys()
    assert {f"analysis.{k.name}" for k in registry.kinds()} <= set(activities.all_keys())


def test_a_new_analysis_kind_without_a_record_is_named_by_the_check():
    fake = registry.Kind(name="zz_profiling", label="Profiling", description="", run=dict)
    registry.register(fake)
    try:
        assert activities.missing_records() == ["analysis.zz_profiling"]
        assert baseline.load() == []  # the baseline has no entry for it: nothing is invented
    finally:
        registry.unregister("zz_profiling")
    assert activities.missing_records() == []


def test_the_baseline_fills_gaps_and_keeps_the_officers_edits(world):
    kept = record("analysis.trend")
    ProcessingRecord.objects.filter(pk=kept.pk).update(purpose="As the officer wrote it")
    ProcessingRecord.objects.filter(activity="analysis.network").delete()
    assert baseline.load() == ["analysis.network"]
    assert record("analysis.trend").purpose == "As the officer wrote it"
    assert activities.missing_records() == []


def test_the_officer_edits_a_record_through_the_page_and_the_change_is_audited(client, world):
    target = record()
    client.force_login(world.oversight)
    url = reverse("dataprotection:record_edit", args=[target.pk])
    data = {
        "name": "Hotspot analysis",
        "purpose": "Directing patrols to where crime concentrates.",
        "legal_basis": "DPA 2018 s.35",
        "data_categories": "Incidents",
        "subject_categories": "Victims",
        "recipients": "Unit",
        "retention": "",  # refused: every text stays filled in
        "safeguards": "Logged",
        "assessment_required": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    response = client.post(url, {**data, "retention": "Two years"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.retention == "Two years" and not target.from_baseline
    assert target.updated_by == world.oversight
    event = AuditEvent.objects.filter(
        object_type="dataprotection.processingrecord", action="update"
    ).latest("id")
    assert event.object_repr == "analysis.hotspot" and "retention" in event.details["changes"]


def test_the_api_lists_and_patches_records_for_oversight_only(world):
    client = api_client(world.oversight, justification=None)
    listed = client.get("/api/v1/processing-records/")
    assert listed.status_code == 200
    assert {r["activity"] for r in listed.json()["results"]} >= {"analysis.hotspot"}
    target = record("sharing.share")
    bad = client.patch(f"/api/v1/processing-records/{target.pk}/", {"purpose": "  "}, format="json")
    assert bad.status_code == 400 and "purpose" in bad.json()
    good = client.patch(
        f"/api/v1/processing-records/{target.pk}/", {"recipients": "Unit B"}, format="json"
    )
    assert good.status_code == 200 and good.json()["recipients"] == "Unit B"
    assert api_client(world.analyst).get("/api/v1/processing-records/").status_code == 403


def test_the_register_exports_as_csv_and_pdf_and_each_export_is_logged(client, world):
    client.force_login(world.oversight)
    url = reverse("dataprotection:register_export")
    csv = client.get(url, {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = b"".join(csv.streaming_content).decode()
    assert text.splitlines()[0].startswith("activity,name,purpose")
    assert "analysis.hotspot" in text and "subjectrequests.search" in text
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(url, {"format": "xml"}).status_code == 400
    exports = AuditEvent.objects.filter(
        object_type="dataprotection.processingrecord", action="export"
    )
    assert sorted(e.details["format"] for e in exports) == ["csv", "pdf"]


def test_the_register_names_activities_without_a_record(client, world):
    ProcessingRecord.objects.filter(activity="exchange.import").delete()
    client.force_login(world.oversight)
    page = client.get(reverse("dataprotection:record_list")).content.decode()
    assert "Processing activities without a record:" in page and "exchange.import" in page


def test_the_job_page_shows_the_record_it_runs_under(login, world):
    from analysis.services.jobs import request_job
    from tests.intelligence.helpers import as_user

    with as_user(world.analyst):
        job = request_job(
            actor=world.analyst, kind="temporal", params={"compartments": ["general"]}
        )
    page = login(world.analyst).get(reverse("analysis:job_detail", args=[job.pk])).content.decode()
    assert "Record of processing" in page and "analysis.temporal" in page
    assert record("analysis.temporal").name in page
    # The analyst reads the record on the job page, but the register is not theirs.
    assert (
        reverse("dataprotection:record_detail", args=[record("analysis.temporal").pk]) not in page
    )
