"""The jobs/ API: request a job, follow it, read its result; access and audit as elsewhere."""

import pytest
from django.urls import reverse

from analysis.models import AnalysisJob
from audit.models import AuditEvent
from tests.analysis.test_jobs_services import _scatter
from tests.utils.access import RestrictedAPITests, api_client


class TestJobAPIAccess(RestrictedAPITests):
    basename = "job"
    allowed_role = "analyst"
    denied_roles = ("oversight", "officer")
    outsider = "analyst2"

    def make_record(self, world, compartment):
        job = AnalysisJob.objects.create(
            kind="temporal", title="t", params={}, requested_by=world.analyst, status="queued"
        )
        job.compartments.set([compartment])
        return job


@pytest.mark.django_db
class TestRequestingThroughTheAPI:
    def test_posting_a_job_answers_201_and_the_result_arrives_when_it_has_run(
        self, world, job_incidents, django_capture_on_commit_callbacks
    ):
        job_incidents(_scatter(60))
        client = api_client(world.analyst)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("job-list"),
                {"kind": "trend", "params": {"period": "month"}, "title": "Monthly"},
                format="json",
            )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["kind"] == "trend" and body["status"] == "queued" and body["progress"] == 0
        assert body["compartments"] == ["general", "restricted"]
        detail = client.get(reverse("job-detail", args=[body["id"]])).json()
        assert detail["status"] == "succeeded" and detail["progress"] == 100
        assert set(detail["result"]) == {
            "summary",
            "tables",
            "charts",
            "geojson",
            "network",
            "method",
            "params",
        }
        assert detail["result"]["params"]["period"] == "month"
        assert detail["finished_at"] and detail["started_at"]
        listed = client.get(reverse("job-list")).json()
        assert listed["results"][0]["result"] is None  # lists stay light

    @pytest.mark.parametrize(
        ("body", "path"),
        [
            ({"kind": "hotspot", "params": {"cell_size_m": -1}}, ("params", "cell_size_m")),
            ({"kind": "hotspot", "params": {"bbox": "nowhere"}}, ("params", "bbox")),
            ({"kind": "trend", "params": {"colour": "red"}}, ("params", "colour")),
            ({"kind": "near_repeat", "params": {"time_bands": [0, 5]}}, ("params", "time_bands")),
            ({"kind": "network", "params": {"hops": 9}}, ("params", "hops")),
            ({"kind": "alchemy", "params": {}}, ("kind",)),
            ({"kind": "hotspot", "params": ["not", "an", "object"]}, ("params",)),
        ],
    )
    def test_bad_input_answers_400_naming_the_field_and_saves_nothing(self, world, body, path):
        response = api_client(world.analyst).post(reverse("job-list"), body, format="json")
        assert response.status_code == 400, response.content
        errors = response.json()
        for key in path:
            assert key in errors, errors
            errors = errors[key]
        assert not AnalysisJob.objects.exists()

    def test_a_manager_may_not_request_a_job(self, world):
        response = api_client(world.manager).post(
            reverse("job-list"), {"kind": "temporal"}, format="json"
        )
        assert response.status_code == 403

    def test_requesting_without_a_justification_answers_428(self, world):
        response = api_client(world.analyst, justification=None).post(
            reverse("job-list"), {"kind": "temporal"}, format="json"
        )
        assert response.status_code == 428
        assert not AnalysisJob.objects.exists()

    def test_there_is_no_update_or_delete(self, world):
        job = AnalysisJob.objects.create(kind="temporal", params={}, requested_by=world.analyst)
        job.compartments.set([world.general])
        client = api_client(world.analyst)
        url = reverse("job-detail", args=[job.pk])
        assert client.patch(url, {"title": "x"}, format="json").status_code in (403, 405)
        assert client.delete(url).status_code in (403, 405)
        job.refresh_from_db()
        assert job.title == ""

    def test_reading_a_result_is_a_logged_consultation_with_the_justification(
        self, world, job_incidents, job_run
    ):
        job_incidents(_scatter(20))
        job = job_run(world.analyst, "temporal")
        client = api_client(world.analyst)
        assert client.get(reverse("job-detail", args=[job.pk])).status_code == 200
        viewed = AuditEvent.objects.filter(actor=world.analyst, action="view").latest("id")
        assert viewed.object_id == str(job.pk) and viewed.via == "api"
