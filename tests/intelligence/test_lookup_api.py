"""Typeahead look-ups for pickers (``GET /api/v1/lookup/?kind=&q=``, ``intelligence/lookup.py``):
drawn through ``visible_to`` only, audited as searches, refused with a 400 naming the
parameter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence import lookup
from intelligence.services.entities import merge_entities
from tests.intelligence.helpers import as_user, make_entity, make_report, make_source
from tests.tasking.helpers import make_priority
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

URL = reverse("lookup")
HIDDEN = "ZZHIDDEN"


def _ask(user, **params):
    return api_client(user).get(URL, params)


def _labels(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["label"] for item in response.json()["results"]]


def test_entities_match_any_part_of_the_name_in_any_case_those_starting_with_it_first(world):
    make_entity(world, name="Zed Alpine")
    starts = make_entity(world, name="Alpine Ann")
    make_entity(world, name="Someone Else")
    response = _ask(world.analyst2, kind="entity", q="ALPINE")
    assert _labels(response) == ["Alpine Ann", "Zed Alpine"]
    assert response.json()["results"][0] == {
        "id": starts.pk,
        "label": "Alpine Ann",
        "kind": "entity",
        "detail": "Person",
    }
    # Accents and punctuation aside, as duplicate detection compares names.
    make_entity(world, name="Seán O'Neil")
    assert _labels(_ask(world.analyst2, kind="entity", q="sean oneil")) == ["Seán O'Neil"]


def test_a_restricted_record_is_offered_only_to_those_who_hold_its_compartment(world):
    make_entity(world, world.restricted, name=f"Alpine {HIDDEN}")
    make_entity(world, name="Alpine Shown")
    make_source(world, world.restricted, reference=f"SRC-{HIDDEN}")
    make_priority(world, world.restricted, scored=False, title=f"Alpine {HIDDEN}")
    assert _labels(_ask(world.analyst2, kind="entity", q="alpine")) == ["Alpine Shown"]
    assert _labels(_ask(world.analyst, kind="entity", q="alpine")) == [
        "Alpine Shown",
        f"Alpine {HIDDEN}",
    ]
    for kind in ("entity", "source", "priority"):
        response = _ask(world.analyst2, kind=kind, q=HIDDEN.lower())
        assert _labels(response) == [], kind
        assert HIDDEN not in response.content.decode()
        assert _labels(_ask(world.analyst, kind=kind, q=HIDDEN.lower())), kind


def test_merged_entities_are_not_offered(world):
    keeper = make_entity(world, name="Alpine Keeper")
    other = make_entity(world, name="Alpine Duplicate")
    with as_user(world.analyst):
        merge_entities(keeper, other, actor=world.analyst, reason="same person")
    assert _labels(_ask(world.analyst, kind="entity", q="alpine")) == ["Alpine Keeper"]


def test_reports_by_urn_sources_by_reference_priorities_by_title(world):
    report = make_report(world)
    make_source(world, reference="SRC-ALPHA")
    make_priority(world, scored=False, title="Alpine burglaries")
    found = _ask(world.analyst, kind="report", q=report.urn[-4:].lower()).json()["results"]
    assert [r["id"] for r in found] == [report.pk]
    assert found[0]["label"] == report.urn and found[0]["detail"].startswith("Evaluated")
    source = _ask(world.analyst, kind="source", q="src-al").json()["results"]
    assert [(s["label"], s["kind"]) for s in source] == [("SRC-ALPHA", "source")]
    # A source's identity is never searched.
    assert _labels(_ask(world.handler, kind="source", q="Jane Informant")) == []
    priorities = _ask(world.analyst, kind="priority", q="burglar").json()["results"]
    assert [(p["label"], p["kind"]) for p in priorities] == [("Alpine burglaries", "priority")]


def test_an_officer_finds_only_the_reports_they_may_see(world):
    own = make_report(world, submitter=world.officer)
    make_report(world, submitter=world.analyst2)
    found = _ask(world.officer, kind="report", q="IR-").json()["results"]
    assert [r["id"] for r in found] == [own.pk]


def test_people_are_offered_to_administrators_managers_and_those_who_run_operations(world):
    # Analysts name an operation's team with the people picker.
    for role in ("admin", "manager", "analyst"):
        found = _ask(world.user(role), kind="user", q="morg").json()["results"]
        assert found == [
            {
                "id": world.manager.pk,
                "label": str(world.manager),
                "kind": "user",
                "detail": "manager",
            }
        ]
    world.analyst2.is_active = False
    world.analyst2.save()
    assert "analyst2" not in [
        r["detail"] for r in _ask(world.admin, kind="user", q="analyst").json()["results"]
    ]
    for role in ("officer", "oversight", "handler"):
        before = AuditEvent.objects.filter(action="denied").count()
        assert _ask(world.user(role), kind="user", q="morg").status_code == 403, role
        assert AuditEvent.objects.filter(action="denied").count() == before + 1


@pytest.mark.parametrize(
    ("role", "kind", "status"),
    [
        ("officer", "entity", 403),
        ("officer", "report", 200),
        ("handler", "source", 200),
        ("handler", "priority", 403),
        ("oversight", "report", 403),
        ("analyst2", "priority", 200),
        ("analyst2", "operation", 200),
        ("officer", "operation", 403),
    ],
)
def test_each_kind_needs_the_permission_to_read_its_records(world, role, kind, status):
    assert _ask(world.user(role), kind=kind, q="ab").status_code == status


def test_at_most_twenty_matches(world):
    for n in range(lookup.MAX_RESULTS + 5):
        make_entity(world, name=f"Alpine {n:02d}")
    assert len(_labels(_ask(world.analyst, kind="entity", q="alpine"))) == lookup.MAX_RESULTS


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"kind": "entity", "q": "a"}, ["q"]),
        ({"kind": "entity", "q": " a "}, ["q"]),
        ({"kind": "entity"}, ["q"]),
        ({"kind": "entity", "q": "x" * 101}, ["q"]),
        ({"kind": "case", "q": "alpine"}, ["kind"]),
        ({"q": "alpine"}, ["kind"]),
        ({}, ["kind", "q"]),
    ],
)
def test_bad_parameters_answer_400_naming_them(world, params, names):
    response = _ask(world.analyst, **params)
    assert response.status_code == 400
    body = response.json()
    assert sorted(body) == names
    if "kind" in names:
        assert all(kind in body["kind"][0] for kind in lookup.KINDS)


def test_a_lookup_is_one_search_event_with_its_query(world):
    entity = make_entity(world, name="Alpine Ann")
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    _ask(world.analyst2, kind="entity", q="alpine")
    events = list(AuditEvent.objects.filter(pk__gt=last).order_by("id"))
    assert [e.action for e in events] == ["search"]
    event = events[0]
    assert event.object_type == "intelligence.entity"
    assert event.details["query"] == "alpine"
    assert event.details["ids"] == [str(entity.pk)]
    assert event.details["count"] == 1
    assert event.details["filters"] == {"kind": "entity"}
    assert event.justification


def test_anonymous_and_unjustified_callers_are_refused(world):
    assert api_client().get(URL, {"kind": "entity", "q": "alpine"}).status_code == 401
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = api_client(world.analyst, justification=None).get(
        URL, {"kind": "entity", "q": "alpine"}
    )
    assert response.status_code == 428
    assert not AuditEvent.objects.filter(pk__gt=last, action="search").exists()


def test_operations_by_reference_or_name_only_those_the_person_may_see(world):
    from operations.services import open_operation

    with as_user(world.analyst):
        for reference, compartment in (
            ("OP-HERON", world.general),
            ("OP-HERON-2", world.restricted),
        ):
            open_operation(
                actor=world.analyst,
                data={"name": "Heron", "reference": reference, "compartment": compartment},
            )
    assert _labels(_ask(world.analyst, kind="operation", q="heron")) == [
        "OP-HERON-2 Heron",
        "OP-HERON Heron",
    ]
    assert _labels(_ask(world.analyst2, kind="operation", q="op-her")) == ["OP-HERON Heron"]
