"""The trend form takes the test's parameters (baseline, significance level, fewest incidents to
test), refuses bad ones beside their fields, and keeps them with the job."""

import pytest
from django.urls import reverse

from analysis.models import AnalysisJob
from tests.analysis.test_jobs_services import _scatter

pytestmark = pytest.mark.django_db


def test_the_form_explains_and_keeps_the_tests_parameters(
    world, login, job_incidents, django_capture_on_commit_callbacks
):
    job_incidents(_scatter(40))
    client = login(world.analyst)
    form = client.get(reverse("analysis:job_create") + "?kind=trend").content.decode()
    for text in ("Baseline periods", "Significance level", "Fewest incidents to test"):
        assert text in form
    assert "Benjamini-Hochberg" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("analysis:job_create") + "?kind=trend",
            {
                "title": "Weekly trend",
                "period": "week",
                "baseline": "8",
                "alpha": "0.01",
                "min_count": "20",
                "top_n": "5",
                "compartments": ["general"],
            },
        )
    job = AnalysisJob.objects.get()
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert (job.params["baseline"], job.params["alpha"], job.params["min_count"]) == (8, 0.01, 20)
    assert job.result["summary"]["significance_level"] == 0.01
    method = {part["heading"]: part["text"] for part in job.result["method"]}
    assert "Significance level 0.01" in method["Parameters"]
    assert "fewer than 20 incidents" in method["Parameters"]


def test_a_significance_level_out_of_range_is_refused_beside_its_field(world, login):
    client = login(world.analyst)
    response = client.post(
        reverse("analysis:job_create") + "?kind=trend",
        {"period": "week", "alpha": "0.5", "min_count": "0", "compartments": ["general"]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "alpha" in form.errors and "min_count" in form.errors
    assert not AnalysisJob.objects.exists()
