"""Incident imports: reading, mapping, validation, the all-or-nothing load, audit, the command."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent
from intelligence.imports import loaders, services
from intelligence.models import ImportJob, ImportMapping, Incident
from tests.intelligence.helpers import as_user, make_incident
from tests.utils.storage import SharedFiles

pytestmark = pytest.mark.django_db

HEADER = "reference,crime_type,occurred_from,occurred_to,latitude,longitude,address"


def rows(count: int, start: int = 0, prefix: str = "IMP") -> list[str]:
    return [
        f"{prefix}-{n:06d},burglary,2026-01-{1 + n % 28:02d} 10:{n % 60:02d},,"
        f"51.{4000 + n % 1000},-2.{5000 + n % 1000},{n} High Street"
        for n in range(start, start + count)
    ]


def csv_bytes(lines: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


@pytest.fixture
def uploads(shared_storage):
    """The shared storage the upload goes to and the job reads from: every test taking it runs
    once per backend (filesystem, database, fake S3)."""
    return shared_storage


def run(world, data: bytes, name: str = "incidents.csv", user=None, **options):
    """Upload as the analyst and run the job in-process, as the worker would."""
    user = user or world.analyst
    options.setdefault("compartment", world.general)
    with as_user(user):
        job = services.import_file(
            actor=user,
            upload=io.BytesIO(data),
            file_name=name,
            size=len(data),
            enqueue=False,
            **options,
        )
        services.run_import(job.pk)
    job.refresh_from_db()
    return job


def refused(world, data: bytes, name: str = "incidents.csv", **options) -> dict:
    with pytest.raises(ValidationError) as caught:
        run(world, data, name, **options)
    return caught.value.message_dict


def stored_files(uploads: SharedFiles) -> list[str]:
    return uploads.names("imports")


# --- Happy paths --------------------------------------------------------------------------------


def test_a_csv_whose_header_names_the_fields_is_loaded_without_a_mapping_step(world, uploads):
    job = run(world, csv_bytes(rows(250)))
    assert job.status == "succeeded", job.message
    assert job.mapping_source == "header"
    assert (job.rows_total, job.rows_inserted, job.rows_updated) == (250, 250, 0)
    assert Incident.objects.filter(compartment=world.general).count() == 250
    incident = Incident.objects.get(reference="IMP-000007")
    assert incident.crime_type.slug == "burglary"
    assert incident.occurred_from.isoformat() == "2026-01-08T10:07:00+00:00"
    assert incident.address == "7 High Street" and incident.occurred_to is None
    assert job.progress == 100
    assert stored_files(uploads) == [] and job.stored_name == "" and job.file_deleted_at


def test_the_upload_and_the_load_are_each_one_audit_event_with_counts(world, uploads):
    before = AuditEvent.objects.count()
    job = run(world, csv_bytes(rows(40)))
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type) for e in events] == [
        ("create", "intelligence.importjob"),
        ("create", "intelligence.incident"),
    ]
    upload, load = events
    assert upload.object_id == str(job.pk) and upload.actor == world.analyst
    assert upload.details["file_sha256"] == job.file_sha256
    assert load.details["import_job"] == job.pk
    assert (load.details["inserted"], load.details["updated"]) == (40, 0)
    assert load.compartment == "general" and load.actor == world.analyst


def test_an_xlsx_workbook_is_loaded_with_dates_and_numbers_as_the_cells_hold_them(world, uploads):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["X-1", "Robbery", dt.datetime(2026, 3, 1, 22, 15), None, 51.45, -2.58, "Quay"])
    sheet.append(["X-2", "vehicle-crime", "2026-03-02", "2026-03-03", 51.46, -2.59, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(world, buffer.getvalue(), name="extract.xlsx")
    assert job.status == "succeeded", job.message
    assert job.file_format == "xlsx"
    first = Incident.objects.get(reference="X-1")
    assert first.crime_type.slug == "robbery" and first.latitude == 51.45
    assert first.occurred_from.isoformat() == "2026-03-01T22:15:00+00:00"
    assert Incident.objects.get(reference="X-2").occurred_to.day == 3


def test_semicolons_a_byte_order_mark_and_day_first_dates_are_read(world, uploads):
    data = (
        "\ufeffreference;crime_type;occurred_from;latitude;longitude\n"
        "S-1;drugs;31/01/2026 14:05;51.4;-2.6\n"
    )
    job = run(world, data.encode("utf-8"))
    assert job.status == "succeeded", job.message
    assert Incident.objects.get(reference="S-1").occurred_from.isoformat() == (
        "2026-01-31T14:05:00+00:00"
    )


def test_a_windows_1252_file_is_read_when_the_person_says_so(world, uploads):
    data = csv_bytes(["W-1,burglary,2026-01-01,,51.4,-2.6,Caf\u00e9 Rouge"]).decode()
    job = run(world, data.encode("cp1252"), encoding="cp1252")
    assert job.status == "succeeded", job.message
    assert Incident.objects.get(reference="W-1").address == "Caf\u00e9 Rouge"


# --- Mapping ----------------------------------------------------------------------------------


def test_a_manual_mapping_is_remembered_for_the_next_file_of_the_same_layout(world, uploads):
    header = "Crime Ref,Offence,When,Lat,Long,Where"
    lines = ["M-1,burglary,2026-02-01 08:00,51.4,-2.6,Old Market"]
    errors = refused(world, csv_bytes(lines, header))
    assert "mapping" in errors and "crime_type" in errors["mapping"][0]
    assert stored_files(uploads) == []

    given = {
        "reference": "Crime Ref",
        "crime_type": "Offence",
        "occurred_from": "When",
        "latitude": "Lat",
        "longitude": "Long",
        "address": "Where",
    }
    job = run(world, csv_bytes(lines, header), given_mapping=given)
    assert job.status == "succeeded", job.message and job.mapping_source == "given"
    assert ImportMapping.objects.get().mapping == given

    again = run(world, csv_bytes(["M-2,robbery,2026-02-02 09:00,51.5,-2.5,Easton"], header))
    assert again.status == "succeeded" and again.mapping_source == "remembered"
    assert again.mapping == given
    assert Incident.objects.get(reference="M-2").address == "Easton"


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(world, uploads):
    errors = refused(
        world,
        csv_bytes(rows(1)),
        given_mapping={
            "reference": "reference",
            "crime_type": "offence",
            "occurred_from": "occurred_from",
            "latitude": "latitude",
            "longitude": "longitude",
        },
    )
    assert "no column offence" in errors["mapping"][0]


# --- Bad files: a clear message, nothing stored -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "empty.csv", "The file is empty"),
        (HEADER.encode() + b"\n", "header-only.csv", "a header but no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "photo.csv", "looks like a PNG image"),
        (b"ref,crime\x00\x00\x01\x02", "binary.csv", "binary data"),
        (b"PK\x03\x04" + b"\x00" * 40, "workbook.csv", "zip archive or an Excel workbook"),
        (b"not a zip", "fake.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04broken", "broken.xlsx", "cannot be read"),
        (b"a,b\n1,2\n", "notes.pdf", "CSV (.csv) or Excel (.xlsx)"),
        (b"a,,c\n1,2,3\n", "blank.csv", "Column 2 has no name"),
        (b"a,A\n1,2\n", "twice.csv", "appears twice"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message_and_nothing_kept(
    world, uploads, data, name, expected
):
    errors = refused(world, data, name)
    assert expected in errors["file"][0]
    assert stored_files(uploads) == []
    assert not ImportJob.objects.exists() and not Incident.objects.exists()


def test_a_file_with_mixed_encodings_is_refused_naming_the_first_bad_line(world, uploads):
    data = csv_bytes(rows(3)) + "IMP-9,burglary,2026-01-01,,51.4,-2.6,Caf\u00e9\n".encode("cp1252")
    errors = refused(world, data)
    assert "Line 5 is not valid UTF-8 (byte 0xE9)" in errors["file"][0]
    assert stored_files(uploads) == []


def test_wrong_columns_are_refused_naming_the_missing_fields_and_the_columns_found(world, uploads):
    errors = refused(world, b"name,age\nAlan,40\n")
    assert "reference, crime_type, occurred_from, latitude, longitude" in errors["mapping"][0]
    assert "Columns found: name, age" in errors["mapping"][0]
    assert stored_files(uploads) == [] and not ImportJob.objects.exists()


def test_a_file_over_the_configured_limit_is_refused_before_anything_is_read(
    world, uploads, settings
):
    settings.ILP = {**settings.ILP, "IMPORT_MAX_BYTES": 1024}
    data = csv_bytes(rows(100))
    assert "over the limit of 0.0 MB" in refused(world, data)["file"][0]
    # A stream that lies about its size is stopped while it is copied.
    with pytest.raises(ValidationError) as caught, as_user(world.analyst):
        services.receive_upload(
            actor=world.analyst, upload=io.BytesIO(data), file_name="big.csv", size=None
        )
    assert "larger than the limit" in caught.value.message_dict["file"][0]
    assert stored_files(uploads) == []


def test_a_formula_cell_in_a_workbook_is_refused_naming_the_cell(world, uploads):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["F-1", "burglary", "2026-01-01", None, 51.4, -2.6, "x"])
    sheet.append(["F-2", "burglary", "2026-01-01", None, "=E2+0.01", -2.6, "y"])
    buffer = io.BytesIO()
    book.save(buffer)
    errors = refused(world, buffer.getvalue(), name="formulas.xlsx")
    assert "Cell E3 holds a formula (=E2+0.01)" in errors["file"][0]
    assert stored_files(uploads) == [] and not Incident.objects.exists()


# --- Validation: every bad row, with its line number; nothing loaded -------------------------


def test_every_bad_row_is_reported_with_its_line_and_reason_and_nothing_is_loaded(world, uploads):
    make_incident(world, reference="EXISTS-1")
    lines = rows(5)
    lines += [
        "B-1,burglary,2026-13-45,,51.4,-2.6,bad date",  # line 7
        "B-2,burglary,2026-01-01,,95.0,-2.6,latitude",  # line 8
        "B-3,arson-ish,2026-01-01,,51.4,-2.6,crime type",  # line 9
        ",burglary,2026-01-01,,51.4,-2.6,no reference",  # line 10
        "IMP-000001,burglary,2026-01-01,,51.4,-2.6,repeated",  # line 11
        "EXISTS-1,burglary,2026-01-01,,51.4,-2.6,in the table",  # line 12
        "B-4,burglary,2026-01-02,2026-01-01,51.4,-2.6,window",  # line 13
        "B-5,burglary,2026-01-01,,north,-200,two problems",  # line 14
    ]
    job = run(world, csv_bytes(lines))
    assert job.status == "failed"
    assert "8 of 13 rows refused; nothing was loaded" in job.message
    reported = {(e["line"], e["field"], e["reason"]) for e in job.error_report}
    assert reported == {
        (7, "occurred_from", "bad or missing date"),
        (8, "latitude", "latitude out of range (-90 to 90)"),
        (9, "crime_type", "unknown crime type; no accepted code is close"),
        (10, "reference", "missing reference"),
        (11, "reference", "duplicate reference in the file"),
        (12, "reference", "an incident with this reference exists"),
        (13, "occurred_to", "end of the window before its start"),
        (14, "latitude", "latitude is not a number"),
        (14, "longitude", "longitude out of range (-180 to 180)"),
    }
    assert job.rows_refused == 8 and job.rows_total == 13
    assert Incident.objects.count() == 1  # only the one made before
    failure = AuditEvent.objects.filter(action="job_run", object_id=str(job.pk)).get()
    assert failure.outcome == "failure" and failure.details["refused"] == 8


def test_an_unknown_crime_type_is_refused_naming_the_nearest_code_and_listing_the_accepted(
    world, uploads
):
    """A misspelt crime type names the accepted code nearest to it (by name or code), and the
    refusal lists every accepted code, so the person can correct the file without asking."""
    lines = rows(3)
    lines += [
        "T-1,burglry,2026-01-01,,51.4,-2.6,typo of a code",  # line 5
        "T-2,Vehicle crimes,2026-01-01,,51.4,-2.6,near a name",  # line 6
        "T-3,zzzzzzzz,2026-01-01,,51.4,-2.6,nothing close",  # line 7
    ]
    job = run(world, csv_bytes(lines))
    assert job.status == "failed"
    reasons = {e["line"]: e["reason"] for e in job.error_report}
    assert reasons[5] == 'unknown crime type; nearest accepted code: "burglary"'
    assert reasons[6] == 'unknown crime type; nearest accepted code: "vehicle-crime"'
    assert reasons[7] == "unknown crime type; no accepted code is close"
    assert job.error_counts['unknown crime type; nearest accepted code: "burglary"'] == 1
    assert "Accepted crime type codes (a code or its name): " in job.message
    listed = job.message.split("Accepted crime type codes (a code or its name): ")[1]
    for code in ("asb", "burglary", "criminal-damage", "theft", "vehicle-crime", "weapons"):
        assert code in listed
    assert not Incident.objects.exists()


def test_one_bad_row_among_many_is_refused_with_its_line_and_nothing_loaded(world, uploads):
    lines = rows(20_000)
    lines[12_344] = lines[12_344].replace("51.", "151.", 1)  # line 12,346
    job = run(world, csv_bytes(lines))
    assert job.status == "failed"
    assert job.rows_refused == 1
    assert job.error_report == [
        {
            "line": 12_346,
            "field": "latitude",
            "reason": "latitude out of range (-90 to 90)",
            "value": lines[12_344].split(",")[4],
        }
    ]
    assert "line 12346, latitude" in job.message
    assert not Incident.objects.exists()


def test_blank_lines_are_skipped_but_line_numbers_still_match_the_file(world, uploads):
    data = csv_bytes([rows(1)[0], "", "Z-1,burglary,someday,,51.4,-2.6,x"])
    job = run(world, data)
    assert [(e["line"], e["field"]) for e in job.error_report] == [(4, "occurred_from")]


# --- Modes and the load -----------------------------------------------------------------------


def test_update_mode_updates_existing_references_instead_of_duplicating(world, uploads):
    run(world, csv_bytes(rows(10)))
    changed = [line.replace("High Street", "Low Road") for line in rows(5)] + rows(3, start=10)
    job = run(world, csv_bytes(changed), mode="update")
    assert job.status == "succeeded", job.message
    assert (job.rows_inserted, job.rows_updated) == (3, 5)
    assert Incident.objects.count() == 13
    assert Incident.objects.get(reference="IMP-000002").address == "2 Low Road"
    assert Incident.objects.get(reference="IMP-000007").address == "7 High Street"

    again = run(world, csv_bytes(rows(2)))  # insert-only refuses what exists
    assert again.status == "failed" and again.rows_refused == 2


def test_update_mode_never_touches_an_incident_in_a_compartment_the_importer_lacks(world, uploads):
    """References are unique within a compartment: the importer's file adds its own incident
    beside the restricted one, which stays as it was, and nothing tells them it exists."""
    make_incident(world, world.restricted, reference="SECRET-1")
    job = run(
        world,
        csv_bytes(["SECRET-1,burglary,2026-01-01,,51.4,-2.6,overwritten"]),
        user=world.analyst2,
        mode="update",
    )
    assert job.status == "succeeded", job.message
    assert (job.rows_inserted, job.rows_updated) == (1, 0)
    hidden = Incident.objects.get(reference="SECRET-1", compartment=world.restricted)
    assert hidden.address == "1 High Street"
    assert Incident.objects.get(reference="SECRET-1", compartment=world.general).address == (
        "overwritten"
    )


def test_an_insert_refused_for_an_existing_reference_names_only_the_importers_compartment(
    world, uploads
):
    """A reference taken in a compartment the importer lacks is no refusal (no oracle); one
    taken in the import's own compartment is."""
    make_incident(world, world.restricted, reference="SECRET-2")
    make_incident(world, world.general, reference="OWN-2")
    lines = [
        "SECRET-2,burglary,2026-01-01,,51.4,-2.6,x",
        "OWN-2,burglary,2026-01-01,,51.4,-2.6,y",
    ]
    job = run(world, csv_bytes(lines), user=world.analyst2)
    assert job.status == "failed"
    assert [(e["line"], e["reason"]) for e in job.error_report] == [
        (3, "an incident with this reference exists")
    ]


def test_the_importer_chooses_only_among_their_own_compartments(world, uploads):
    errors = refused(world, csv_bytes(rows(1)), user=world.analyst2, compartment=world.restricted)
    assert errors["compartment"] == ["Choose a compartment you hold."]
    assert stored_files(uploads) == []


def test_a_load_failing_part_way_leaves_the_table_as_it_was(world, uploads, monkeypatch):
    make_incident(world, reference="BEFORE-1")
    monkeypatch.setattr(loaders, "COPY_CHUNK", 100)
    monkeypatch.setattr(loaders, "INSERT_BATCH", 100)
    calls = {"n": 0}

    def fail_on_third_chunk(fraction):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(
        services, "_SideProgress", lambda job, low, high: _Reporter(fail_on_third_chunk)
    )
    job = run(world, csv_bytes(rows(1_000)))
    assert calls["n"] == 3
    assert job.status == "failed" and "unexpected error" in job.message
    assert list(Incident.objects.values_list("reference", flat=True)) == ["BEFORE-1"]
    assert job.rows_inserted == 0 and job.loaded_at is None
    assert not AuditEvent.objects.filter(
        object_type="intelligence.incident", details__has_key="import_job"
    ).exists()
    # The file stays until it expires (another load may be attempted); expiry removes it.
    assert len(stored_files(uploads)) == 1
    assert services.expire_files(hours=-1) == 1 and stored_files(uploads) == []


class _Reporter:
    def __init__(self, call):
        self.call = call

    def __call__(self, fraction):
        self.call(fraction)

    def close(self):
        pass


def test_postgresql_loads_through_copy_and_sqlite_through_batched_inserts(
    world, uploads, monkeypatch
):
    seen = []
    real_copy, real_batched = loaders._copy, loaders._load_batched
    monkeypatch.setattr(loaders, "_copy", lambda *a, **k: seen.append("copy") or real_copy(*a, **k))
    monkeypatch.setattr(
        loaders,
        "_load_batched",
        lambda *a, **k: seen.append("batched") or real_batched(*a, **k),
    )
    job = run(world, csv_bytes(rows(30)))
    assert job.status == "succeeded", job.message
    if connection.vendor == "postgresql":
        assert seen == ["copy"] and job.result["method"] == "copy"
    else:
        assert seen == ["batched"] and job.result["method"] == "bulk_insert"
    assert Incident.objects.count() == 30


def test_text_with_tabs_backslashes_and_line_breaks_arrives_unchanged(world, uploads):
    data = HEADER + '\nT-1,burglary,2026-01-01,,51.4,-2.6,"back\\slash\ttab\nnew line"\n'
    job = run(world, data.encode())
    assert job.status == "succeeded", job.message
    assert Incident.objects.get(reference="T-1").address == "back\\slash\ttab\nnew line"


def test_a_second_delivery_of_a_loaded_job_changes_nothing(world, uploads):
    job = run(world, csv_bytes(rows(5)))
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    assert services.run_import(job.pk) == "succeeded"
    assert Incident.objects.count() == 5


# --- The command --------------------------------------------------------------------------------


def test_the_command_loads_a_file_and_exits_0(world, uploads, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes(rows(12)))
    out = io.StringIO()
    call_command("import_incidents", str(path), user="analyst", compartment="general", stdout=out)
    assert "12 incidents added" in out.getvalue()
    assert Incident.objects.count() == 12


def test_the_command_exits_1_listing_refused_rows_and_2_on_bad_input(world, uploads, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([*rows(3), "B,burglary,2026-01-01,,91,-2.6,x"]))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_incidents", str(path), user="analyst", compartment="general", stderr=err
        )
    assert caught.value.returncode == 1
    assert "line 5: latitude: latitude out of range" in err.getvalue()
    assert not Incident.objects.exists()

    path.write_bytes(b"name,age\nAlan,40\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_incidents", str(path), user="analyst", compartment="general")
    assert caught.value.returncode == 2 and "mapping" in str(caught.value)

    with pytest.raises(CommandError) as caught:
        call_command("import_incidents", str(path), user="nobody", compartment="general")
    assert caught.value.returncode == 2

    path.write_bytes(b"Crime Ref,Offence,When,Lat,Long\nC-1,drugs,2026-01-01,51.4,-2.6\n")
    call_command(
        "import_incidents",
        str(path),
        user="analyst",
        compartment="general",
        map=["reference=Crime Ref", "crime_type=Offence", "occurred_from=When"]
        + ["latitude=Lat", "longitude=Long"],
        stdout=io.StringIO(),
    )
    assert Incident.objects.filter(reference="C-1").exists()
