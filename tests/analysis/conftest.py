"""Fixtures for the analysis tests. Product fixtures are prefixed ``product_``."""

import pytest
from django.utils import timezone

CHART_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" onload="alert(1)">'
    '<script>alert("x")</script><rect x="5" y="5" width="50" height="40" fill="#c33"/>'
    '<a href="https://example.org/"><text x="60" y="30">Gi* 3.2</text></a></svg>'
)


@pytest.fixture
def product_job(world):
    """A succeeded hotspot analysis row holding a result in the platform's result contract."""
    from analysis.models import AnalysisJob

    def _make(compartments=None, *, user=None, status="succeeded", title="Burglary hotspots"):
        job = AnalysisJob.objects.create(
            kind="hotspot",
            title=title,
            status=status,
            progress=100 if status == "succeeded" else 0,
            params={"crime_types": ["burglary"], "cell_size_m": 250},
            result={
                "summary": {"cells": 4, "hot_99": 1},
                "tables": [
                    {
                        "title": "Hot cells",
                        "columns": ["cell", "count", "z"],
                        "rows": [["A1", 12, 3.2], ["B2", 7, 2.1]],
                    }
                ],
                "charts": [{"title": "Counts per cell", "svg": CHART_SVG}],
                "geojson": {"type": "FeatureCollection", "features": []},
                "params": {"crime_types": ["burglary"], "cell_size_m": 250},
            }
            if status == "succeeded"
            else None,
            requested_by=user or world.analyst,
            finished_at=timezone.now() if status == "succeeded" else None,
        )
        job.compartments.set(compartments if compartments is not None else [world.general])
        return job

    return _make


@pytest.fixture
def product_draft(world):
    """A draft product made through the service (default: a problem profile in general)."""
    from analysis.services.products.workflow import create_product
    from tests.intelligence.helpers import as_user

    def _make(author=None, compartment=None, kind="problem_profile", **data):
        author = author or world.analyst
        with as_user(author):
            return create_product(
                actor=author,
                data={
                    "kind": kind,
                    "title": data.pop("title", "Burglary in Easton"),
                    "terms_of_reference": "Commissioned by the tactical meeting.",
                    "compartment": compartment or world.general,
                    **data,
                },
            )

    return _make


# --- analysis job fixtures (prefixed ``job_``) ---------------------------------------------------


@pytest.fixture
def job_incidents(world):
    """Incidents made in bulk (reference data for analysis, not the subject of these tests).

    ``_make(points)`` takes dicts with ``lat``, ``lon``, ``at`` (aware datetime) and optionally
    ``to``, ``crime_type`` (slug) and ``compartment``.
    """
    from intelligence.models import CrimeType, Incident

    counter = {"n": 0}

    def _make(points):
        types = {ct.slug: ct for ct in CrimeType.objects.all()}
        rows = []
        for point in points:
            counter["n"] += 1
            rows.append(
                Incident(
                    reference=f"INC-JOB-{counter['n']:06d}",
                    crime_type=types[point.get("crime_type", "burglary")],
                    occurred_from=point["at"],
                    occurred_to=point.get("to"),
                    latitude=point["lat"],
                    longitude=point["lon"],
                    compartment=point.get("compartment", world.general),
                )
            )
        return Incident.objects.bulk_create(rows)

    return _make


@pytest.fixture
def job_run(django_capture_on_commit_callbacks):
    """Request a job through the service and run it as the worker would (eager Celery)."""
    from analysis.services.jobs import request_job
    from ilp_platform.core import context

    def _run(user, kind, params=None, *, title=""):
        with (
            context.acting(user=user, justification="OP-TEST job"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            job = request_job(actor=user, kind=kind, params=params or {}, title=title)
        job.refresh_from_db()
        return job

    return _run


@pytest.fixture
def product_pdf_layouts(monkeypatch):
    """The WeasyPrint documents laid out while printing PDFs, newest last, to read what each
    page holds (``tests.analysis.pdf_pages.page_texts``)."""
    from weasyprint.document import Document

    seen = []
    original = Document.write_pdf

    def spy(self, *args, **kwargs):
        seen.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Document, "write_pdf", spy)
    return seen
