"""Exports are built by the web process for the request and sent: nothing is written to the
shared file storage or the data directory, whichever storage backend is configured."""

import pytest
from django.conf import settings

from tests.intelligence.helpers import make_incident, make_report
from tests.intelligence.test_ui_exports import export

pytestmark = pytest.mark.django_db


def _files(folder) -> set:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def test_a_csv_export_answers_with_each_backend_and_writes_no_file(world, login, shared_storage):
    make_report(world)
    make_incident(world, reference="EXP-1")
    before = _files(settings.DATA_DIR / "uploads")
    client = login(world.analyst)
    reports, _ = export(client, "report_list")
    incidents, _ = export(client, "incident_list")
    assert len(reports) == 1 and [row["reference"] for row in incidents] == ["EXP-1"]
    assert shared_storage.is_empty()
    assert _files(settings.DATA_DIR / "uploads") == before
