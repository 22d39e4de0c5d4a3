"""Taking a package in stores its rows in one statement per kind (``COPY`` on PostgreSQL,
``bulk_create`` elsewhere): both ways store the same rows; the search text is what the
search service writes; a bad item is named; the garbage collector's pause is undone."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import threading

import pytest
from django.db import connection, connections

from audit.models import AuditEvent
from exchange import content, crypto, services
from exchange import package as pkg
from ilp_platform.core.errors import MisuseError
from intelligence.models import Entity, Identifier, Link, Provenance, Report, ReportEntity
from intelligence.services.reports import allocate_urns
from intelligence.services.search import search_document_for
from tests.exchange.helpers import make_partner, own_keys, sample_document, sealed_from
from tests.intelligence.helpers import make_entity

pytestmark = pytest.mark.django_db

# Text that COPY must escape (tab, new line, backslash, carriage return) and that is not ASCII.
AWKWARD = "Tab\there, a back\\slash, a line\nbreak, a \r return, Łódź and “quotes”."


def _document() -> dict:
    """Three reports naming three entities (one twice in a report), two links, times and
    data-quality statements present and absent, conditions given twice."""
    document = sample_document()
    first = document["reports"][0]
    second = copy.deepcopy(first)
    second.update(
        reference="NL-2026-0043",
        text=AWKWARD,
        occurred_at=None,
        occurred_from="2026-11-01T08:00:00+01:00",
        occurred_to="2026-11-02T08:00:00Z",
        latitude=None,
        longitude=None,
        place_name=None,
        conditions=["no_judicial_use", " no_judicial_use ", "law_enforcement_only"],
        data_quality={},
        entities=[
            {"entity": "E3", "subject_category": "witness", "is_assessment": True},
            {"entity": "E1", "subject_category": "suspect", "is_assessment": False},
            {"entity": "E3", "subject_category": "other", "is_assessment": False},
        ],
    )
    second["grading"] = {
        "scheme": "3x5x2",
        "source_evaluation": "2",
        "intelligence_assessment": "C",
        "handling_code": "P",
        "handling_conditions": "",
    }
    second.pop("grading_as_given")
    third = copy.deepcopy(first)
    third.update(reference="NL-2026-0044", entities=[], conditions=[])
    document["reports"] += [second, third]
    document["entities"].append(
        {
            "ref": "E3",
            "kind": "location",
            "name": "Waalhaven quay 7",
            "date_of_birth": None,
            "description": AWKWARD,
            "identifiers": [
                {"kind": "other", "value": "BAG-0599"},
                {"kind": "phone", "value": "+31 10 000 0001"},
            ],
        }
    )
    document["links"].append(
        {
            "from": "E1",
            "to": "E3",
            "kind": "located_at",
            "strength": "confirmed",
            "reports": ["NL-2026-0043", "NL-2026-0043", "NL-2026-0042", "NOT-IN-PACKAGE"],
        }
    )
    return document


def _receive(world, side, key, document):
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), document)
    return services.receive(raw, channel="upload", actor=world.analyst)


def _stored(received) -> dict:
    """Every column of every row a package stored, with the package's own ids replaced by
    positions and the times of storing left out, so two packages taken in alike compare
    equal."""
    reports = list(Report.objects.filter(pk__in=received.report_ids).order_by("id"))
    report_at = {r.pk: n for n, r in enumerate(reports)}
    mentions = list(ReportEntity.objects.filter(report_id__in=report_at).order_by("id"))
    provenances = list(Provenance.objects.filter(report_id__in=report_at).order_by("id"))
    entity_ids = {m.entity_id for m in mentions}
    links = list(Link.objects.filter(from_entity_id__in=entity_ids).order_by("id"))
    entity_ids |= {link.to_entity_id for link in links}
    entities = list(Entity.objects.filter(pk__in=entity_ids).order_by("id"))
    entity_at = {e.pk: n for n, e in enumerate(entities)}
    link_at = {link.pk: n for n, link in enumerate(links)}
    places = {
        "report_id": report_at,
        "entity_id": entity_at,
        "from_entity_id": entity_at,
        "to_entity_id": entity_at,
        "link_id": link_at,
    }
    skipped = {"id", "urn", "created_at", "updated_at", "submitted_at", "received_at"}

    def row(obj) -> dict:
        values = {}
        for f in obj._meta.concrete_fields:
            if f.attname in skipped or f.attname == "search_vector":
                continue
            value = getattr(obj, f.attname)
            values[f.attname] = places[f.attname][value] if f.attname in places else value
        return values

    stored = {
        "reports": [row(r) for r in reports],
        "entities": [row(e) for e in entities],
        "identifiers": [
            row(i) for i in Identifier.objects.filter(entity_id__in=entity_at).order_by("id")
        ],
        "mentions": [row(m) for m in mentions],
        "links": [row(link) for link in links],
        "link_reports": sorted(
            (link_at[t.link_id], report_at[t.report_id])
            for t in Link.reports.through.objects.filter(link_id__in=link_at)
        ),
        "provenance": [row(p) for p in provenances],
    }
    for report, values in zip(reports, stored["reports"], strict=True):
        values["search_document"] = values["search_document"].replace(report.urn, "URN")
    return stored


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's")
def test_copy_and_batched_inserts_store_the_same_rows(world, monkeypatch):
    key = own_keys()
    side = make_partner(world)
    calls: list[str] = []
    with connection.cursor() as cursor:
        psycopg_cursor = type(cursor.cursor)
    real_copy = psycopg_cursor.copy

    def counted_copy(self, statement, *args, **kwargs):
        calls.append(statement.split()[1])
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg_cursor, "copy", counted_copy)
    by_copy = _receive(world, side, key, _document())
    assert len(calls) == 7  # one COPY per kind of row, whatever the number of items
    monkeypatch.setattr(content, "copy_available", lambda: False)
    by_inserts = _receive(world, side, key, _document())
    assert len(calls) == 7

    stored = _stored(by_copy)
    assert stored == _stored(by_inserts)
    # What was compared is what the document says.
    assert [r["sanitised_text"] for r in stored["reports"]][1] == AWKWARD
    assert stored["entities"][2]["description"] == AWKWARD
    counts = [len(stored[k]) for k in ("reports", "entities", "identifiers", "mentions")]
    assert counts == [3, 3, 3, 4]
    assert stored["link_reports"] == [(0, 0), (1, 0), (1, 1)]
    assert stored["provenance"][1]["conditions"] == ["no_judicial_use", "law_enforcement_only"]
    assert stored["mentions"][2] == {
        "report_id": 1,
        "entity_id": 2,
        "subject_category": "other",
        "is_assessment": False,
        "created_by_id": world.analyst.pk,
    }
    # The search vector is the trigger's, from the same text, for both.
    vectors = [
        list(
            Report.objects.filter(pk__in=received.report_ids)
            .order_by("id")
            .values_list("search_vector", flat=True)
        )
        for received in (by_copy, by_inserts)
    ]
    assert all(vectors[0]) and all(vectors[1]) and len(vectors[0]) == len(vectors[1]) == 3


def test_the_collection_event_names_every_report_under_what_its_provenance_says(world):
    key = own_keys()
    side = make_partner(world)
    document = _document()
    document["reports"].append(copy.deepcopy(document["reports"][0]))
    # The same provenance as the first; its reference as the partner wrote it, spaces and all.
    document["reports"][-1]["reference"] = " NL-2026-0045 "
    received = _receive(world, side, key, document)
    event = AuditEvent.objects.get(
        object_type="exchange.receivedpackage", object_id=str(received.pk)
    )
    reports = list(Report.objects.filter(pk__in=received.report_ids).order_by("id"))
    assert event.details["reports"] == [r.urn for r in reports]
    assert event.details["original_references"] == [
        "NL-2026-0042",
        "NL-2026-0043",
        "NL-2026-0044",
        " NL-2026-0045 ",
    ]
    assert reports[3].provenance.original_reference == "NL-2026-0045"
    # One entry per distinct provenance, naming its reports; every report in exactly one,
    # which says what the report's provenance row says.
    groups = event.details["provenance"]
    assert sorted(len(g["reports"]) for g in groups) == [1, 1, 2]
    named = [urn for g in groups for urn in g["reports"]]
    assert sorted(named) == sorted(r.urn for r in reports)
    for report in reports:
        (group,) = [g for g in groups if report.urn in g["reports"]]
        provenance = report.provenance
        assert group["grading_as_given"] == provenance.grading_as_given
        assert group["conditions"] == provenance.conditions
        assert group["data_quality"] == sorted(provenance.data_quality)
    assert groups[0]["reports"] == [reports[0].urn, reports[3].urn]
    assert groups[1]["conditions"] == ["no_judicial_use", "law_enforcement_only"]
    assert groups[1]["data_quality"] == []


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's")
def test_copied_rows_take_their_ids_from_the_tables_sequence(world):
    """Later rows saved the ordinary way do not collide with the ids COPY was given."""
    key = own_keys()
    received = _receive(world, make_partner(world), key, _document())
    entity = make_entity(world, name="Saved after the package")
    assert entity.pk > max(
        Entity.objects.filter(report_links__report_id__in=received.report_ids).values_list(
            "id", flat=True
        )
    )


def test_a_received_reports_search_text_is_what_the_search_service_writes(world):
    key = own_keys()
    received = _receive(world, make_partner(world), key, _document())
    reports = Report.objects.filter(pk__in=received.report_ids).order_by("id")
    assert len(reports) == 3
    for report in reports:
        assert report.search_document == search_document_for(report)
    assert "+31 10 000 0001" in reports[1].search_document  # an identifier is searchable


def test_a_bad_item_is_named_by_its_kind_and_place(world):
    key = own_keys()
    side = make_partner(world)
    before = Report.objects.count()
    for where, change, words in (
        ("reports", {"text": "  "}, "report 2: “text” must be text."),
        (
            "reports",
            {"grading": {"scheme": "3x5x2", "source_evaluation": "9"}},
            "report 2 (NL-2026-0043): the grading is not valid",
        ),
        ("entities", {"kind": "spaceship"}, "entity 2: unknown kind."),
        ("links", {"strength": "certain"}, "link 2: unknown kind or strength."),
    ):
        document = _document()
        document[where][1].update(change)
        with pytest.raises(pkg.Refused) as refused:
            _receive(world, side, key, document)
        assert refused.value.code == "malformed"
        assert words in refused.value.message
    assert Report.objects.count() == before


def test_the_collector_pause_is_undone_once_the_last_overlapping_pause_ends():
    assert gc.isenabled()
    with content.collector_paused():
        assert not gc.isenabled()
        with content.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    with pytest.raises(RuntimeError), content.collector_paused():
        raise RuntimeError("a failed import")
    assert gc.isenabled()

    # Two threads whose pauses overlap: the collector resumes when the second one ends.
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with content.collector_paused():
            first_in.set()
            second_in.wait(5)
        seen.append(gc.isenabled())
        first_out.set()

    def second():
        first_in.wait(5)
        with content.collector_paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False, False, True]


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with content.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_json_columns_are_written_once_per_distinct_value_and_never_confused():
    texts: dict = {}
    written = [
        content._json_text(value, None, texts)
        for value in (
            ["law_enforcement_only"],
            ["law_enforcement_only"],
            [1],
            [True],  # equal to [1] in Python, written apart
            {"accuracy": "checked"},
            {"accuracy": "checked"},
            {"accuracy": 1},
            {"accuracy": True},
            [0.0],
            [-0.0],  # equal to [0.0], written apart: floats are never looked up
            [["nested"]],
            {"deep": {"er": None}},
            [],
            {},
        )
    ]
    assert written == [
        '["law_enforcement_only"]',
        '["law_enforcement_only"]',
        "[1]",
        "[true]",
        '{"accuracy": "checked"}',
        '{"accuracy": "checked"}',
        '{"accuracy": 1}',
        '{"accuracy": true}',
        "[0.0]",
        "[-0.0]",
        '[["nested"]]',
        '{"deep": {"er": null}}',
        "[]",
        "{}",
    ]
    # The flat ones are kept, once each; floats and nested values are not.
    assert len(texts) == 8


def test_stored_rows_hold_what_the_orm_would_store_for_the_same_values(world):
    """``store_rows`` prepares each value by its column's kind, without a model instance: the
    rows read back equal rows saved through the ORM from the same values (an aware time in
    another zone, a date, a whole number for a float, true and false, JSON, nothing)."""
    zone = dt.timezone(dt.timedelta(hours=5, minutes=30))
    columns = ("urn", "text", "occurred_at", "latitude", "longitude", "place_name")
    values = [
        (AWKWARD, dt.datetime(2026, 3, 1, 23, 15, 7, 250, tzinfo=zone), 51, -2.5, "Quay"),
        ("Second", None, None, None, ""),
    ]
    common = {
        "compartment_id": world.general.pk,
        "submitted_by_id": world.analyst.pk,
        "status": "submitted",
        "is_personal_assessment": True,
    }
    stored = [(urn, *row) for urn, row in zip(allocate_urns(2), values, strict=True)]
    ids = content.store_rows(Report, columns, stored, common=common, count=2)
    made = Report.objects.bulk_create(
        Report(**common, **dict(zip(columns, (urn, *row), strict=True)))
        for urn, row in zip(allocate_urns(2), values, strict=True)
    )

    born = [("A", dt.date(1980, 2, 29)), ("B", None)]
    made_by = {"compartment_id": world.general.pk, "created_by_id": world.analyst.pk}
    entity_ids = content.store_rows(
        Entity,
        ("kind", "name", "name_key", "date_of_birth"),
        [("person", name, name.lower(), day) for name, day in born],
        common=made_by,
        count=2,
    )
    entities = Entity.objects.bulk_create(
        Entity(kind="person", name=name, name_key=name.lower(), date_of_birth=day, **made_by)
        for name, day in born
    )

    quality = {"reliability": "Mostly reliable", "evaluated_at": "2026-11-30T10:00:00Z"}
    given = [("NL-1", ["a", "b"], quality), ("NL-2", [], {})]
    received = {
        "channel": "partner_exchange",
        "originator": "NL",
        "received_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    }
    content.store_rows(
        Provenance,
        ("report_id", "original_reference", "conditions", "data_quality"),
        [(pk, *row) for pk, row in zip(ids, given, strict=True)],
        common=received,
    )
    Provenance.objects.bulk_create(
        Provenance(
            report=report,
            original_reference=reference,
            conditions=conditions,
            data_quality=statements,
            **received,
        )
        for report, (reference, conditions, statements) in zip(made, given, strict=True)
    )
    left_out = {"id", "urn", "created_at", "updated_at", "report_id", "search_vector"}

    def read(model, **where):
        return [
            {k: v for k, v in row.items() if k not in left_out}
            for row in model.objects.filter(**where).order_by("id").values()
        ]

    assert read(Report, pk__in=ids) == read(Report, pk__in=[r.pk for r in made])
    assert read(Entity, pk__in=entity_ids) == read(Entity, pk__in=[e.pk for e in entities])
    assert read(Provenance, report_id__in=ids) == read(Provenance, report__in=made)
    # What was compared is what was given.
    first = Report.objects.get(pk=ids[0])
    assert (first.text, first.occurred_at, first.latitude) == (AWKWARD, values[0][1], 51.0)
    assert first.is_personal_assessment is True
    assert Entity.objects.get(pk=entity_ids[0]).date_of_birth == dt.date(1980, 2, 29)
    assert Provenance.objects.get(report_id=ids[0]).data_quality == quality


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="ids are read back on SQLite")
def test_new_rows_are_numbered_only_inside_a_transaction(world, monkeypatch):
    """Outside a transaction each inserted row commits alone and another writer's rows could
    come between them, so the ids read back could name rows stored by someone else."""
    before = Entity.objects.count()
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    with pytest.raises(MisuseError, match="inside a transaction"):
        content.store_rows(
            Entity,
            ("kind", "name", "name_key"),
            [("person", "A", "a")],
            common={"compartment_id": world.general.pk, "created_by_id": world.analyst.pk},
            count=1,
        )
    monkeypatch.undo()
    assert Entity.objects.count() == before
